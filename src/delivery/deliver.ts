/**
 * One attempt at one delivery: sign, send through the HTTP client (and its
 * address guard), classify the outcome and decide what comes next. The
 * result is data (an AttemptRecord the store writes in one transaction);
 * a failed delivery never throws.
 */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { IdGenerator } from "../domain/ids.ts";
import { classifyStatus, type AttemptError } from "../domain/outcome.ts";
import { parseRetryAfter } from "../domain/retry-after.ts";
import { nextRetryDelay } from "../domain/retry.ts";
import { simpleSignatureHeader, standardSignatureHeader } from "../domain/signature.ts";
import { unsentAttempt } from "../store/attempts.ts";
import type { AttemptRecord, ClaimedDelivery, Endpoint } from "../store/types.ts";
import { VERSION } from "../version.ts";
import type { HttpClient } from "../http-client/http-client.ts";

/** Where a delivery goes and how it is signed, looked up per attempt. */
export interface Destination {
  /** null for a one-off callback_url. */
  endpoint: Endpoint | null;
  /** Active secrets, current first. */
  secrets: string[];
}

export interface DeliverDeps {
  client: HttpClient;
  config: Config;
  clock: Clock;
  ids: IdGenerator;
  random: () => number;
  /** null when the endpoint no longer exists. */
  destination(endpointId: string | null): Promise<Destination | null>;
}

export type Deliverer = (claimed: ClaimedDelivery) => Promise<AttemptRecord | null>;

/** Builds the deliverer; it answers null when there is nothing to record (endpoint deleted meanwhile). */
export function createDeliverer(deps: DeliverDeps): Deliverer {
  const { client, config, clock, ids } = deps;
  const userAgent = `hookgate/${VERSION}`;
  const signatureHeader = config.signing.header;

  return async ({ delivery, payload }) => {
    const destination = await deps.destination(delivery.endpointId);
    if (!destination) return null;
    const n = delivery.attemptCount + 1;
    const startedAt = clock.now();

    // A disabled endpoint gets no request; test sends are the exception, so
    // an operator can check whether it is back before enabling it.
    if (destination.endpoint?.state === "disabled" && !delivery.isTest) {
      return {
        attempt: unsentAttempt({
          id: ids("att"),
          deliveryId: delivery.id,
          endpointId: delivery.endpointId,
          n,
          startedAt,
          error: "endpoint_disabled",
          nextAttemptAt: null,
          isTest: delivery.isTest,
        }),
        delivery,
        next: { status: "failed" },
        health: null,
      };
    }

    const timestampSec = Math.floor(startedAt / 1000);
    const requestHeaders: Record<string, string> = {
      ...(destination.endpoint?.headers ?? {}),
      "content-type": "application/json",
      "user-agent": userAgent,
      "webhook-id": delivery.eventId,
      "webhook-timestamp": String(timestampSec),
      "webhook-signature": standardSignatureHeader(destination.secrets, delivery.eventId, timestampSec, payload),
      [signatureHeader]: simpleSignatureHeader(destination.secrets, payload),
    };
    const result = await client.send({
      url: delivery.url,
      headers: requestHeaders,
      body: payload,
      timeoutMs: config.delivery.timeout,
      responseBodyLimit: config.delivery.response_body_limit,
    });

    let error: AttemptError | null = result.error?.code ?? null;
    let gone = false;
    if (error === null && result.statusCode !== null) {
      const outcome = classifyStatus(result.statusCode);
      if (!outcome.ok) {
        error = outcome.error;
        gone = outcome.gone;
      }
    }
    const now = clock.now();
    let next: AttemptRecord["next"];
    if (error === null) {
      next = { status: "succeeded" };
    } else if (gone || delivery.isTest) {
      next = { status: "failed" };
    } else {
      const delay = nextRetryDelay({
        failedAttempts: n - delivery.scheduleStart,
        schedule: config.delivery.retry_schedule,
        jitter: config.delivery.retry_jitter,
        random: deps.random,
        retryAfterMs: parseRetryAfter(result.responseHeaders?.["retry-after"], now),
        statusCode: result.statusCode,
      });
      next = delay === null ? { status: "failed" } : { status: "pending", at: now + delay };
    }

    const countsForHealth = destination.endpoint !== null && !delivery.isTest;
    return {
      attempt: {
        id: ids("att"),
        deliveryId: delivery.id,
        n,
        startedAt,
        durationMs: Math.round(result.durationMs),
        statusCode: result.statusCode,
        error,
        requestHeaders,
        responseHeaders: result.responseHeaders,
        responseBody: result.responseBody,
        responseTruncated: result.truncated,
        nextAttemptAt: next.status === "pending" ? next.at : null,
      },
      delivery,
      next,
      health: !countsForHealth
        ? null
        : error === null
          ? { success: true }
          : { success: false, disableAfterMs: config.delivery.auto_disable_after, gone },
    };
  };
}
