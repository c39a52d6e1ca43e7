/**
 * The decide stage: from what an attempt came to, the delivery's next state
 * (domain/next-state.ts) and how the endpoint's health moves. Test sends are
 * left out of the failure streak (the README: an operator probing a broken
 * endpoint must not push it towards auto-disable), and a one-off
 * callback_url delivery has no endpoint whose health could move.
 */
import type { Config } from "../config/schema.ts";
import { decideNextState } from "../domain/next-state.ts";
import type { AttemptOutcome } from "../domain/outcome.ts";
import type { AttemptRecord } from "../store/contract.ts";
import type { Delivery } from "../domain/model.ts";

/** What the store is told to do after the attempt. */
export interface Decision {
  next: AttemptRecord["next"];
  lastError: AttemptRecord["lastError"];
  health: AttemptRecord["health"];
}

/** The delivery log's one-line reason: an HTTP answer by its status, anything else by its error code. */
export function lastErrorText(error: string | null, statusCode: number | null): string | null {
  if (error === null) return null;
  return error === "http_status" || error === "redirect" ? `HTTP ${statusCode}` : error;
}

/** What the decision depends on; the time and the random source come from the deliverer's deps. */
export interface DecideInput {
  /** The delivery as claimed, before this attempt. */
  delivery: Pick<Delivery, "attemptCount" | "scheduleStart" | "isTest">;
  /** False for a callback_url delivery. */
  hasEndpoint: boolean;
  outcome: AttemptOutcome;
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
  /** When the attempt ended. */
  now: number;
  policy: Pick<Config["delivery"], "retry_schedule" | "retry_jitter" | "auto_disable_after">;
  random: () => number;
}

/** Decides the delivery's next state and the endpoint's health change after one sent attempt. */
export function decideNext({ delivery, hasEndpoint, outcome, statusCode, responseHeaders, now, policy, random }: DecideInput): Decision {
  const next = decideNextState({
    outcome,
    isTest: delivery.isTest,
    // This attempt is number attemptCount + 1; the schedule counts from its last (re)start.
    failedAttempts: delivery.attemptCount + 1 - delivery.scheduleStart,
    schedule: policy.retry_schedule,
    jitter: policy.retry_jitter,
    random,
    statusCode,
    retryAfter: responseHeaders?.["retry-after"],
    now,
  });
  const lastError = lastErrorText(outcome.error, statusCode);
  // An interrupted attempt was hookgate's cut, not the endpoint's answer: no mark on its health.
  if (!hasEndpoint || delivery.isTest || outcome.error === "interrupted") return { next, lastError, health: null };
  if (outcome.error === null) return { next, lastError, health: { success: true } };
  return {
    next,
    lastError,
    health: {
      success: false,
      // A 410 says the endpoint is gone for good; otherwise the streak's length decides (0: never).
      disable: outcome.gone ? "gone" : null,
      disableIfFailingBefore: policy.auto_disable_after > 0 ? now - policy.auto_disable_after : null,
    },
  };
}
