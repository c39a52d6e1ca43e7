import { describe, expect, test } from "bun:test";
import { ATTEMPT_ERRORS, type AttemptError, type AttemptOutcome, classifyAttempt, classifyStatus, isRetryable, measuresLatency, type StatusOutcome } from "../../src/domain/outcome.ts";

/** Every integer from `from` to `to`, inclusive. */
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Compile-time proof that the list and the union name the same errors. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const listMatchesUnion: Same<AttemptError, (typeof ATTEMPT_ERRORS)[number]> = true;

describe("ATTEMPT_ERRORS", () => {
  test("lists API.md's attempt errors in its order, each once", () => {
    expect(listMatchesUnion).toBe(true);
    expect([...ATTEMPT_ERRORS]).toEqual([
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
    ]);
    expect(new Set(ATTEMPT_ERRORS).size).toBe(ATTEMPT_ERRORS.length);
  });
});

describe("classifyStatus", () => {
  test.each(range(200, 299))("%p succeeds", (status) => {
    expect(classifyStatus(status)).toEqual({ ok: true });
  });

  test.each(range(300, 399))("%p fails as a redirect, which is not followed", (status) => {
    expect(classifyStatus(status)).toEqual({ ok: false, error: "redirect", gone: false });
  });

  test.each([...range(100, 199), ...range(400, 409), ...range(411, 599)])(
    "%p fails as http_status and leaves the endpoint enabled",
    (status) => {
      expect(classifyStatus(status)).toEqual({ ok: false, error: "http_status", gone: false });
    },
  );

  test("410 fails as http_status and marks the endpoint gone", () => {
    expect(classifyStatus(410)).toEqual({ ok: false, error: "http_status", gone: true });
  });

  const wellKnown: [number, StatusOutcome][] = [
    [200, { ok: true }],
    [201, { ok: true }],
    [202, { ok: true }],
    [204, { ok: true }],
    [206, { ok: true }],
    [299, { ok: true }],
    [100, { ok: false, error: "http_status", gone: false }],
    [101, { ok: false, error: "http_status", gone: false }],
    [103, { ok: false, error: "http_status", gone: false }],
    [199, { ok: false, error: "http_status", gone: false }],
    [300, { ok: false, error: "redirect", gone: false }],
    [301, { ok: false, error: "redirect", gone: false }],
    [302, { ok: false, error: "redirect", gone: false }],
    [303, { ok: false, error: "redirect", gone: false }],
    [304, { ok: false, error: "redirect", gone: false }],
    [307, { ok: false, error: "redirect", gone: false }],
    [308, { ok: false, error: "redirect", gone: false }],
    [400, { ok: false, error: "http_status", gone: false }],
    [401, { ok: false, error: "http_status", gone: false }],
    [403, { ok: false, error: "http_status", gone: false }],
    [404, { ok: false, error: "http_status", gone: false }],
    [408, { ok: false, error: "http_status", gone: false }],
    [409, { ok: false, error: "http_status", gone: false }],
    [410, { ok: false, error: "http_status", gone: true }],
    [411, { ok: false, error: "http_status", gone: false }],
    [413, { ok: false, error: "http_status", gone: false }],
    [422, { ok: false, error: "http_status", gone: false }],
    [429, { ok: false, error: "http_status", gone: false }],
    [500, { ok: false, error: "http_status", gone: false }],
    [502, { ok: false, error: "http_status", gone: false }],
    [503, { ok: false, error: "http_status", gone: false }],
    [504, { ok: false, error: "http_status", gone: false }],
    [599, { ok: false, error: "http_status", gone: false }],
  ];
  test.each(wellKnown)("classifies the well-known status %p", (status, outcome) => {
    expect(classifyStatus(status)).toEqual(outcome);
  });

  test.each([0, 99, 600, 999, -200, 200.5, Number.NaN])("%p, outside HTTP's status range, fails as http_status", (status) => {
    expect(classifyStatus(status)).toEqual({ ok: false, error: "http_status", gone: false });
  });
});

describe("isRetryable", () => {
  const retriedErrors = ATTEMPT_ERRORS.filter((e) => e !== "endpoint_disabled");

  test.each(retriedErrors)("retries %p per the schedule", (error) => {
    expect(isRetryable(error, false)).toBe(true);
  });

  test.each(ATTEMPT_ERRORS)("does not retry %p when the endpoint is gone", (error) => {
    expect(isRetryable(error, true)).toBe(false);
  });

  test("does not retry an attempt refused because the endpoint is disabled", () => {
    expect(isRetryable("endpoint_disabled", false)).toBe(false);
  });

  test.each([...range(100, 199), ...range(300, 599)])("retries a failed status %p unless it is 410", (status) => {
    const outcome = classifyStatus(status);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(isRetryable(outcome.error, outcome.gone)).toBe(status !== 410);
  });
});

describe("measuresLatency", () => {
  test.each([null, ...ATTEMPT_ERRORS.filter((e) => e !== "endpoint_disabled" && e !== "interrupted")])("an attempt ending %p measured the receiver", (error) => {
    expect(measuresLatency(error)).toBe(true);
  });

  test.each(["endpoint_disabled", "interrupted"])("an attempt ending %p did not: nothing was sent, or hookgate cut it off", (error) => {
    expect(measuresLatency(error)).toBe(false);
  });
});

describe("classifyAttempt", () => {
  const transportErrors = ["timeout", "connection_refused", "connection_reset", "dns", "tls", "blocked_address"] as const;

  const cases: [string, AttemptError | null, number | null, AttemptOutcome][] = [
    ["a 2xx succeeds", null, 204, { error: null, gone: false }],
    ["a 3xx fails as a redirect", null, 302, { error: "redirect", gone: false }],
    ["a 5xx fails as http_status", null, 503, { error: "http_status", gone: false }],
    ["a 410 fails as http_status and marks the endpoint gone", null, 410, { error: "http_status", gone: true }],
    ["a timeout with no response fails as a timeout", "timeout", null, { error: "timeout", gone: false }],
    ["a body cut off after a 200 fails as the transport error, not a success", "connection_reset", 200, { error: "connection_reset", gone: false }],
    ["a body that trickled past the deadline after a 410 is a timeout and leaves the endpoint enabled", "timeout", 410, { error: "timeout", gone: false }],
    ["a refused address fails as blocked_address", "blocked_address", null, { error: "blocked_address", gone: false }],
  ];
  test.each(cases)("%s", (_, transportError, statusCode, outcome) => {
    expect(classifyAttempt({ transportError, statusCode })).toEqual(outcome);
  });

  test.each(transportErrors)("%p with no response is recorded as itself and retried", (transportError) => {
    const outcome = classifyAttempt({ transportError, statusCode: null });
    expect(outcome).toEqual({ error: transportError, gone: false });
    expect(isRetryable(outcome.error!, outcome.gone)).toBe(true);
  });

  test.each(range(100, 599))("with no transport error, status %p means what classifyStatus says", (status) => {
    const byStatus = classifyStatus(status);
    expect(classifyAttempt({ transportError: null, statusCode: status })).toEqual(byStatus.ok ? { error: null, gone: false } : { error: byStatus.error, gone: byStatus.gone });
  });
});
