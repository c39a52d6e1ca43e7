/**
 * Attempt records for the contract suite, the way the deliverer words them:
 * a success, a failure, and recording one at the attempt's end.
 */
import type { Attempt, Delivery, Endpoint } from "../../../src/domain/model.ts";
import type { AttemptRecord, HealthChange, Store } from "../../../src/store/contract.ts";
import { claimOne, commitOne, MINUTE, newAttemptId, now } from "./harness.ts";

export interface AttemptOptions {
  /** When the attempt started; defaults to the lease's start, else `now`. */
  startedAt?: number;
  durationMs?: number;
  statusCode?: number | null;
  error?: string | null;
  next?: AttemptRecord["next"];
  lastError?: string | null;
  health?: HealthChange | null;
}

function attemptRecord(delivery: Delivery, o: AttemptOptions, defaults: Required<Omit<AttemptOptions, "startedAt" | "durationMs">>): AttemptRecord {
  const startedAt = o.startedAt ?? delivery.lease?.at ?? now;
  const next = o.next ?? defaults.next;
  const attempt: Omit<Attempt, "isTest" | "endpointId"> = {
    id: newAttemptId(),
    deliveryId: delivery.id,
    n: delivery.attemptCount + 1,
    startedAt,
    durationMs: o.durationMs ?? 10,
    statusCode: o.statusCode !== undefined ? o.statusCode : defaults.statusCode,
    error: o.error !== undefined ? o.error : defaults.error,
    requestHeaders: { "content-type": "application/json" },
    responseHeaders: { "content-type": "text/plain" },
    responseBody: new TextEncoder().encode("ok"),
    responseTruncated: false,
    nextAttemptAt: next.status === "pending" ? next.at : null,
  };
  return {
    attempt,
    delivery,
    next,
    lastError: o.lastError !== undefined ? o.lastError : defaults.lastError,
    health: o.health !== undefined ? o.health : defaults.health,
  };
}

/** A 200 that ends the delivery succeeded and counts as the endpoint's success. */
export function success(delivery: Delivery, o: AttemptOptions = {}): AttemptRecord {
  return attemptRecord(delivery, o, { statusCode: 200, error: null, next: { status: "succeeded" }, lastError: null, health: { success: true } });
}

/** A 500, retried a minute after it started, that counts as the endpoint's failure (no disabling). */
export function failure(delivery: Delivery, o: AttemptOptions = {}): AttemptRecord {
  const startedAt = o.startedAt ?? delivery.lease?.at ?? now;
  return attemptRecord(delivery, o, {
    statusCode: 500,
    error: "http_status",
    next: { status: "pending", at: startedAt + MINUTE },
    lastError: "HTTP 500",
    health: { success: false, disable: null, disableIfFailingBefore: null },
  });
}

/** Records the attempt at its end (start + duration) unless `at` says otherwise. */
export function record(store: Store, rec: AttemptRecord, at = rec.attempt.startedAt + rec.attempt.durationMs) {
  return store.deliveries.recordAttempt({ record: rec, now: at });
}

/**
 * Makes `endpoint` fail once at `at`: a delivery due then, claimed alone
 * and recorded as a failure that ends it failed. Answers the delivery id.
 */
export async function failOnce(store: Store, endpoint: Endpoint, at: number): Promise<string> {
  const id = await commitOne(store, endpoint, { at });
  const d = await claimOne(store, id, { at });
  await record(store, failure(d, { startedAt: at, next: { status: "failed" } }));
  return id;
}
