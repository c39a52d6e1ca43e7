/**
 * What becomes of a delivery after one attempt (README, "Events and deliveries"): a success ends
 * it; a failure that is not retried (a gone endpoint, a disabled one, any
 * failure of a test send) ends it as failed; any other failure waits for
 * its turn in the retry schedule, or fails once the schedule is spent.
 */
import { isRetryable, type AttemptOutcome } from "./outcome.ts";
import { parseRetryAfter } from "./retry-after.ts";
import { nextRetryDelay } from "./retry.ts";

/** The delivery's state after an attempt: due again at `at`, or finished. */
export type NextState = { status: "pending"; at: number } | { status: "succeeded" } | { status: "failed" };

/** What the decision depends on; time and randomness arrive from outside. */
export interface NextStateInput {
  outcome: AttemptOutcome;
  /** Test sends get one attempt and no retry: an operator is waiting for the answer. */
  isTest: boolean;
  /** Attempts since the retry schedule last started, this one included; all failed. */
  failedAttempts: number;
  /** Milliseconds to wait before retry 1, 2, 3, … */
  schedule: readonly number[];
  /** Fraction (0..1) by which each wait may move either way. */
  jitter: number;
  /** A source of numbers in [0, 1), consulted only when a retry is scheduled. */
  random: () => number;
  /** The response's status, null when none arrived. */
  statusCode: number | null;
  /** The response's Retry-After header as sent, undefined when absent. */
  retryAfter: string | undefined;
  /** When the attempt ended, epoch milliseconds. */
  now: number;
}

/** Decides the delivery's next state from the attempt's outcome and the retry policy. */
export function decideNextState(input: NextStateInput): NextState {
  const { outcome, now } = input;
  if (outcome.error === null) return { status: "succeeded" };
  // Cut off by hookgate itself at the shutdown deadline, not by the
  // receiver: made again at once whatever the schedule says, as the lease
  // takeover does with a crash's cut attempts (a test send just ends).
  if (outcome.error === "interrupted") return input.isTest ? { status: "failed" } : { status: "pending", at: now };
  if (input.isTest || !isRetryable(outcome.error, outcome.gone)) return { status: "failed" };
  const delay = nextRetryDelay({
    failedAttempts: input.failedAttempts,
    schedule: input.schedule,
    jitter: input.jitter,
    random: input.random,
    retryAfterMs: parseRetryAfter(input.retryAfter, now),
    statusCode: input.statusCode,
  });
  return delay === null ? { status: "failed" } : { status: "pending", at: now + delay };
}
