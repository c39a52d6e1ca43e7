/**
 * What an attempt's result means for the delivery (README, "Events and deliveries"): any 2xx
 * succeeds; a 3xx fails as `redirect` because redirects are not followed (a
 * signed request must not be replayed to a URL the operator never approved);
 * every other status fails as `http_status`, and a 410 also disables the
 * endpoint. Only the end of the road is not retried: a gone endpoint, or one
 * that was already disabled when the attempt was due.
 *
 * `interrupted` is hookgate's own failure, not the receiver's: the attempt was
 * cut off by a crash or by the shutdown deadline, so whether the receiver got
 * it is unknown. It is made again at once, says nothing of the endpoint's
 * health, and its duration measures the cut, not the receiver.
 */

/** Every value of an attempt's `error` field, in the documented order. */
export const ATTEMPT_ERRORS = [
  "timeout",
  "connection_refused",
  "connection_reset",
  "dns",
  "tls",
  "blocked_address",
  "redirect",
  "http_status",
  "endpoint_disabled",
  "interrupted",
] as const;

/** Why an attempt failed, as recorded in the delivery log. */
export type AttemptError =
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "dns"
  | "tls"
  | "blocked_address"
  | "redirect"
  | "http_status"
  | "endpoint_disabled"
  | "interrupted";

/** The meaning of a response status: success, or the error to record and whether the endpoint is gone. */
export type StatusOutcome = { ok: true } | { ok: false; error: "redirect" | "http_status"; gone: boolean };

/** Classifies a response status: 2xx succeeds, 3xx is a `redirect` failure, anything else `http_status` (410 also `gone`). */
export function classifyStatus(status: number): StatusOutcome {
  if (!Number.isInteger(status)) return { ok: false, error: "http_status", gone: false };
  if (status >= 200 && status <= 299) return { ok: true };
  if (status >= 300 && status <= 399) return { ok: false, error: "redirect", gone: false };
  // 1xx should have been consumed by the HTTP client; if one surfaces it is no answer we can accept.
  return { ok: false, error: "http_status", gone: status === 410 };
}

/** True when a failed attempt should be retried per the schedule: all failures except a 410 (gone) and a disabled endpoint. */
export function isRetryable(error: AttemptError, gone: boolean): boolean {
  return !gone && error !== "endpoint_disabled";
}

/**
 * True when the attempt's duration is a receiver's latency: not for an
 * attempt that sent nothing (endpoint_disabled), nor for one hookgate cut
 * off (interrupted: its duration is an upper bound at best).
 */
export function measuresLatency(error: string | null): boolean {
  return error !== "endpoint_disabled" && error !== "interrupted";
}

/** What one attempt came to: the error to record (null: it succeeded) and whether the endpoint is gone. */
export interface AttemptOutcome {
  error: AttemptError | null;
  gone: boolean;
}

/**
 * Classifies a finished attempt from the HTTP client's result: a transport
 * error wins over a status that arrived before it broke off (the body never
 * came in full), otherwise the status decides. The client always answers
 * one or the other.
 */
export function classifyAttempt(result: { transportError: AttemptError | null; statusCode: number | null }): AttemptOutcome {
  if (result.transportError !== null) return { error: result.transportError, gone: false };
  if (result.statusCode === null) return { error: null, gone: false };
  const outcome = classifyStatus(result.statusCode);
  return outcome.ok ? { error: null, gone: false } : { error: outcome.error, gone: outcome.gone };
}
