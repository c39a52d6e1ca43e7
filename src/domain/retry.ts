/**
 * When the next attempt of a failed delivery is due (the README's delivery rules).
 *
 * The first attempt is made at once; after the n-th failure the delivery
 * waits schedule[n-1], moved by up to ±jitter so that endpoints recovering
 * from one outage are not hit by every queued retry in the same second. Once
 * the schedule is spent there is no next attempt and the delivery fails.
 */

/** The default `delivery.retry_schedule`: waits of 1m, 5m and 30m before retries 1, 2 and 3. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [60_000, 300_000, 1_800_000];

/** Statuses whose Retry-After we obey: the two where a server says when to come back. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** What the retry decision depends on; time and randomness arrive from outside. */
export interface RetryInput {
  /** Attempts made so far, all failed; at least 1. */
  failedAttempts: number;
  /** Milliseconds to wait before retry 1, 2, 3, … */
  schedule: readonly number[];
  /** Fraction (0..1) by which each wait may move either way. */
  jitter: number;
  /** A source of numbers in [0, 1). */
  random: () => number;
  /** The last response's Retry-After, already parsed to ms, or null. */
  retryAfterMs: number | null;
  /** The last response's status, or null when there was none. */
  statusCode: number | null;
}

/** Milliseconds to wait before the next attempt, or null when the schedule is spent and the delivery has failed. */
export function nextRetryDelay(input: RetryInput): number | null {
  const { failedAttempts, schedule, jitter, random, retryAfterMs, statusCode } = input;
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new RangeError(`failedAttempts must be an integer of at least 1, got ${failedAttempts}`);
  }
  if (!(jitter >= 0 && jitter <= 1)) {
    throw new RangeError(`jitter must be between 0 and 1, got ${jitter}`);
  }

  const wait = schedule[failedAttempts - 1];
  if (wait === undefined) return null;

  const jittered = Math.max(0, Math.round(wait * (1 + jitter * (2 * random() - 1))));
  if (retryAfterMs === null || statusCode === null || !RETRY_AFTER_STATUSES.has(statusCode)) {
    return jittered;
  }
  // The cap keeps one server's "come back in a week" from parking a delivery
  // past the whole schedule; a shorter Retry-After never hurries us.
  const cap = Math.max(...schedule);
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), cap));
}
