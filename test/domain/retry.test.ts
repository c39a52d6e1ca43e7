import { describe, expect, test } from "bun:test";
import { DEFAULT_RETRY_SCHEDULE_MS, nextRetryDelay, type RetryInput } from "../../src/domain/retry.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const ALMOST_ONE = 0.999999;

/** A random source that always answers `value`. */
const always = (value: number) => () => value;

/** A random source that fails the test if it is consulted. */
const unused = () => {
  throw new Error("random() should not be called");
};

/** The default schedule, no jitter, no Retry-After: override what a case is about. */
function input(overrides: Partial<RetryInput>): RetryInput {
  return {
    failedAttempts: 1,
    schedule: DEFAULT_RETRY_SCHEDULE_MS,
    jitter: 0,
    random: always(0.5),
    retryAfterMs: null,
    statusCode: 500,
    ...overrides,
  };
}

describe("DEFAULT_RETRY_SCHEDULE_MS", () => {
  test("is 1m, 5m, 30m as the README says", () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([MINUTE, 5 * MINUTE, 30 * MINUTE]);
  });
});

describe("nextRetryDelay follows the schedule", () => {
  test.each([
    [1, MINUTE, "schedules the first retry 1 minute after the first failure"],
    [2, 5 * MINUTE, "schedules the second retry 5 minutes after the second failure"],
    [3, 30 * MINUTE, "schedules the third retry 30 minutes after the third failure"],
  ])("failedAttempts %p waits %p ms (%s)", (failedAttempts, ms) => {
    expect(nextRetryDelay(input({ failedAttempts }))).toBe(ms);
  });

  test.each([4, 5, 100])("gives up (null) after failed attempt %p of the default 1 + 3", (failedAttempts) => {
    expect(nextRetryDelay(input({ failedAttempts, random: unused }))).toBeNull();
  });

  test.each([
    [[1000, 2000], 1, 1000],
    [[1000, 2000], 2, 2000],
    [[1000, 2000], 3, null],
    [[0], 1, 0],
    [[0], 2, null],
    [[5 * MINUTE, MINUTE], 2, MINUTE],
  ])("schedule %p after failed attempt %p waits %p", (schedule, failedAttempts, ms) => {
    expect(nextRetryDelay(input({ schedule, failedAttempts }))).toBe(ms);
  });

  test.each([1, 2])("an empty schedule makes no retry: null after failed attempt %p", (failedAttempts) => {
    expect(nextRetryDelay(input({ schedule: [], failedAttempts, random: unused }))).toBeNull();
  });

  test("an empty schedule makes no retry even when a 429 asks for one", () => {
    expect(nextRetryDelay(input({ schedule: [], statusCode: 429, retryAfterMs: MINUTE }))).toBeNull();
  });
});

describe("nextRetryDelay with jitter", () => {
  test.each([
    // [failedAttempts, jitter, random(), expected ms]
    [1, 0, 0, MINUTE],
    [1, 0, 0.5, MINUTE],
    [1, 0, ALMOST_ONE, MINUTE],
    [1, 0.1, 0, 54 * SECOND],
    [1, 0.1, 0.25, 57 * SECOND],
    [1, 0.1, 0.5, MINUTE],
    [1, 0.1, ALMOST_ONE, 66 * SECOND],
    [2, 0.1, 0, 270 * SECOND],
    [2, 0.1, 0.5, 5 * MINUTE],
    [2, 0.1, ALMOST_ONE, 330 * SECOND],
    [3, 0.1, 0, 27 * MINUTE],
    [3, 0.1, 0.5, 30 * MINUTE],
    [3, 0.1, ALMOST_ONE, 33 * MINUTE],
    [1, 0.5, 0, 30 * SECOND],
    [1, 1, 0, 0],
    [1, 1, ALMOST_ONE, 2 * MINUTE],
  ])("failedAttempts %p, jitter %p, random %p waits %p ms", (failedAttempts, jitter, r, ms) => {
    expect(nextRetryDelay(input({ failedAttempts, jitter, random: always(r) }))).toBe(ms);
  });

  test.each([
    [[1000], 0.1, 0.123, 925],
    [[1001], 0.1, 0.123, 926],
    [[999], 0.1, 0.9, 1079],
    [[3], 0.1, 0.9, 3],
  ])("rounds schedule %p, jitter %p, random %p to a whole %p ms", (schedule, jitter, r, ms) => {
    expect(nextRetryDelay(input({ schedule, jitter, random: always(r) }))).toBe(ms);
  });

  test("never answers a negative wait, even from a random source outside [0, 1)", () => {
    expect(nextRetryDelay(input({ jitter: 1, random: always(-0.5) }))).toBe(0);
  });

  test("draws exactly one random number per decision", () => {
    let calls = 0;
    const counting = () => {
      calls++;
      return 0.5;
    };
    nextRetryDelay(input({ jitter: 0.1, random: counting }));
    expect(calls).toBe(1);
  });

  test("stays within ±jitter of the scheduled wait over many draws", () => {
    let seed = 42;
    // A small LCG keeps the draws reproducible.
    const lcg = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 1000; i++) {
      const ms = nextRetryDelay(input({ failedAttempts: 2, jitter: 0.1, random: lcg }));
      expect(ms).toBeGreaterThanOrEqual(270 * SECOND);
      expect(ms).toBeLessThanOrEqual(330 * SECOND);
    }
  });
});

describe("nextRetryDelay with Retry-After", () => {
  test.each([
    // [statusCode, retryAfterMs, expected ms] after the first failure (scheduled wait 1m, cap 30m)
    [429, 30 * SECOND, MINUTE, "a shorter Retry-After on 429 never hurries the retry"],
    [503, 30 * SECOND, MINUTE, "a shorter Retry-After on 503 never hurries the retry"],
    [429, 0, MINUTE, "a zero Retry-After keeps the scheduled wait"],
    [429, MINUTE, MINUTE, "an equal Retry-After keeps the scheduled wait"],
    [429, 2 * MINUTE, 2 * MINUTE, "a longer Retry-After on 429 is honoured"],
    [503, 10 * MINUTE, 10 * MINUTE, "a longer Retry-After on 503 is honoured"],
    [429, 30 * MINUTE, 30 * MINUTE, "a Retry-After equal to the cap is honoured"],
    [429, 2 * 60 * MINUTE, 30 * MINUTE, "a Retry-After over the cap is cut to the schedule's last entry"],
    [503, 7 * 24 * 60 * MINUTE, 30 * MINUTE, "a week-long Retry-After is cut to the cap"],
    [429, null, MINUTE, "a 429 without Retry-After keeps the scheduled wait"],
    [500, 10 * MINUTE, MINUTE, "Retry-After is ignored on 500"],
    [502, 10 * MINUTE, MINUTE, "Retry-After is ignored on 502"],
    [504, 10 * MINUTE, MINUTE, "Retry-After is ignored on 504"],
    [408, 10 * MINUTE, MINUTE, "Retry-After is ignored on 408"],
    [301, 10 * MINUTE, MINUTE, "Retry-After is ignored on a redirect"],
    [null, 10 * MINUTE, MINUTE, "Retry-After is ignored without a response"],
  ])("status %p, Retry-After %p ms waits %p ms (%s)", (statusCode, retryAfterMs, ms) => {
    expect(nextRetryDelay(input({ statusCode, retryAfterMs }))).toBe(ms);
  });

  test("honours a longer Retry-After over a jittered wait", () => {
    const ms = nextRetryDelay(input({ jitter: 0.1, random: always(ALMOST_ONE), statusCode: 429, retryAfterMs: 2 * MINUTE }));
    expect(ms).toBe(2 * MINUTE);
  });

  test("keeps the jittered wait when it is longer than a Retry-After", () => {
    const ms = nextRetryDelay(input({ jitter: 0.1, random: always(ALMOST_ONE), statusCode: 429, retryAfterMs: 65 * SECOND }));
    expect(ms).toBe(66 * SECOND);
  });

  test("keeps a jittered last wait that is already past the cap when Retry-After asks for even more", () => {
    const ms = nextRetryDelay(
      input({ failedAttempts: 3, jitter: 0.1, random: always(ALMOST_ONE), statusCode: 503, retryAfterMs: 2 * 60 * MINUTE }),
    );
    expect(ms).toBe(33 * MINUTE);
  });

  test("caps at the largest entry when the schedule is not in order", () => {
    const schedule = [5 * MINUTE, MINUTE];
    expect(nextRetryDelay(input({ schedule, failedAttempts: 2, statusCode: 429, retryAfterMs: 60 * MINUTE }))).toBe(5 * MINUTE);
  });

  test("does not extend a spent schedule", () => {
    expect(nextRetryDelay(input({ failedAttempts: 4, statusCode: 429, retryAfterMs: MINUTE }))).toBeNull();
  });

  test("ignores a negative Retry-After rather than shortening the wait", () => {
    expect(nextRetryDelay(input({ statusCode: 429, retryAfterMs: -5 * MINUTE }))).toBe(MINUTE);
  });
});

describe("nextRetryDelay refuses inputs outside its contract", () => {
  test.each([0, -1, 1.5, Number.NaN])("failedAttempts %p", (failedAttempts) => {
    expect(() => nextRetryDelay(input({ failedAttempts }))).toThrow(RangeError);
  });

  test.each([-0.1, 1.1, Number.NaN])("jitter %p", (jitter) => {
    expect(() => nextRetryDelay(input({ jitter }))).toThrow(RangeError);
  });
});
