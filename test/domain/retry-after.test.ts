import { describe, expect, test } from "bun:test";
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "../../src/domain/retry-after.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;

/** Thu, 16 Jan 2025 10:30:00 GMT. */
const NOW = Date.UTC(2025, 0, 16, 10, 30, 0);

describe("parseRetryAfter with delta-seconds", () => {
  test.each([
    ["0", 0],
    ["1", SECOND],
    ["120", 2 * MINUTE],
    ["3600", 60 * MINUTE],
    [" 120 ", 2 * MINUTE],
    ["\t5\r\n", 5 * SECOND],
    ["007", 7 * SECOND],
    [String(MAX_RETRY_AFTER_MS / SECOND), MAX_RETRY_AFTER_MS],
  ])("reads %p as %p ms", (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  test("reads a bare number such as 2025 as seconds, never as a year the way Date.parse would", () => {
    expect(parseRetryAfter("2025", NOW)).toBe(2025 * SECOND);
  });

  test("does not depend on the clock", () => {
    expect(parseRetryAfter("30", 0)).toBe(30 * SECOND);
    expect(parseRetryAfter("30", NOW)).toBe(30 * SECOND);
  });
});

describe("parseRetryAfter with an HTTP-date", () => {
  test.each([
    ["Thu, 16 Jan 2025 10:32:00 GMT", 2 * MINUTE, "IMF-fixdate two minutes ahead"],
    ["Thu, 16 Jan 2025 10:30:01 GMT", SECOND, "IMF-fixdate one second ahead"],
    ["Fri, 17 Jan 2025 10:30:00 GMT", DAY, "IMF-fixdate one day ahead"],
    ["Thu, 29 Feb 2024 00:00:00 GMT", 0, "a 29 February of a leap year, in the past"],
    ["Thu, 16 Jan 2025 10:31:60 GMT", 2 * MINUTE, "a leap second, rolled into the next minute"],
    ["  Thu, 16 Jan 2025 10:32:00 GMT  ", 2 * MINUTE, "surrounding whitespace"],
    ["thu, 16 jan 2025 10:32:00 gmt", 2 * MINUTE, "lower-case names"],
    ["Mon, 16 Jan 2025 10:32:00 GMT", 2 * MINUTE, "a wrong day name, which does not change the instant"],
    ["Thursday, 16-Jan-25 10:32:00 GMT", 2 * MINUTE, "RFC 850 two minutes ahead"],
    ["Friday, 16-Jan-26 10:30:00 GMT", 365 * DAY, "RFC 850 with a two-digit year read in this century"],
    ["Thu Jan 16 10:32:00 2025", 2 * MINUTE, "asctime two minutes ahead, read as UTC"],
    ["Thu Feb  6 10:30:00 2025", 21 * DAY, "asctime with a space-padded day"],
    ["Thu Feb 06 10:30:00 2025", 21 * DAY, "asctime with a zero-padded day"],
  ])("reads %p as %p ms (%s)", (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  test.each([
    ["Thu, 16 Jan 2025 10:30:00 GMT", "exactly now"],
    ["Thu, 16 Jan 2025 10:29:59 GMT", "one second ago"],
    ["Sun, 06 Nov 1994 08:49:37 GMT", "IMF-fixdate decades ago"],
    ["Sunday, 06-Nov-94 08:49:37 GMT", "RFC 850 year 94, read as 1994 not 2094"],
    ["Friday, 16-Jan-76 10:30:00 GMT", "RFC 850 year 76, more than 50 years ahead, so 1976"],
    ["Sun Nov  6 08:49:37 1994", "asctime decades ago"],
  ])("answers 0 for a date in the past: %p (%s)", (value) => {
    expect(parseRetryAfter(value, NOW)).toBe(0);
  });

  test("reads IMF-fixdate and RFC 850 as the same instant Date.parse does", () => {
    for (const value of ["Fri, 17 Jan 2025 10:30:00 GMT", "Friday, 17-Jan-25 10:30:00 GMT"]) {
      expect(parseRetryAfter(value, NOW)).toBe(Date.parse(value) - NOW);
    }
  });

  test("reads asctime as UTC, where Date.parse would use the host's time zone", () => {
    expect(parseRetryAfter("Fri Jan 17 10:30:00 2025", NOW)).toBe(Date.UTC(2025, 0, 17, 10, 30, 0) - NOW);
  });

  test("rounds up when the clock is between milliseconds, so the wait is never short", () => {
    expect(parseRetryAfter("Thu, 16 Jan 2025 10:30:02 GMT", NOW + 0.5)).toBe(2 * SECOND);
  });

  test("measures from the clock it is given", () => {
    const value = "Thu, 16 Jan 2025 10:35:00 GMT";
    expect(parseRetryAfter(value, NOW)).toBe(5 * MINUTE);
    expect(parseRetryAfter(value, NOW + 4 * MINUTE)).toBe(MINUTE);
    expect(parseRetryAfter(value, NOW + 6 * MINUTE)).toBe(0);
  });
});

describe("parseRetryAfter refuses", () => {
  test.each([
    [null, "a missing header"],
    [undefined, "a missing header"],
    ["", "an empty value"],
    ["   ", "only whitespace"],
    ["-1", "negative seconds"],
    ["-0", "a signed zero"],
    ["+5", "a plus sign"],
    ["1.5", "fractional seconds"],
    ["1,5", "a decimal comma"],
    ["5s", "seconds with a unit"],
    ["1e3", "an exponent"],
    ["0x10", "hexadecimal"],
    ["1 2", "two numbers"],
    ["١٢", "non-ASCII digits"],
    ["Infinity", "Infinity"],
    ["NaN", "NaN"],
    ["abc", "words"],
    ["tomorrow", "a relative date"],
    ["2025-01-16T10:32:00Z", "an ISO 8601 date"],
    ["Thu, 16 Jan 2025", "a date without a time"],
    ["Thu, 16 Jan 2025 10:32:00", "IMF-fixdate without GMT"],
    ["Thu, 16 Jan 2025 10:32:00 UTC", "a zone other than GMT"],
    ["Thu, 16 Jan 2025 10:32:00 +0000", "a numeric zone"],
    ["Thu, 6 Jan 2025 10:32:00 GMT", "IMF-fixdate with a one-digit day"],
    ["Thu,  16 Jan 2025 10:32:00 GMT", "a doubled space"],
    ["Thursday, 16 Jan 2025 10:32:00 GMT", "IMF-fixdate with a long day name"],
    ["Thu, 16-Jan-25 10:32:00 GMT", "RFC 850 with a short day name"],
    ["Thu, 16 Foo 2025 10:32:00 GMT", "an unknown month"],
    ["Xyz, 16 Jan 2025 10:32:00 GMT", "an unknown day name"],
    ["Fri, 31 Feb 2025 10:32:00 GMT", "31 February, which Date.parse rolls into March"],
    ["Sat, 29 Feb 2025 10:32:00 GMT", "29 February of a common year"],
    ["Thu, 00 Jan 2025 10:32:00 GMT", "day zero"],
    ["Thu, 16 Jan 2025 24:00:00 GMT", "hour 24"],
    ["Thu, 16 Jan 2025 10:60:00 GMT", "minute 60"],
    ["Thu, 16 Jan 2025 10:32:61 GMT", "second 61"],
    ["Thu Jan 16 10:32:00 2025 GMT", "asctime with a zone"],
    ["Thu Jan 16 10:32 2025", "asctime without seconds"],
    ["120 Thu, 16 Jan 2025 10:32:00 GMT", "seconds and a date together"],
  ])("%p (%s)", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });

  test.each([
    [String(MAX_RETRY_AFTER_MS / SECOND + 1), "one second over ten years"],
    ["99999999999999999999999", "more seconds than a double holds exactly"],
    ["9".repeat(400), "more seconds than a double holds at all"],
    ["Fri, 16 Jan 2037 10:30:00 GMT", "a date twelve years ahead"],
    ["Wednesday, 16-Jan-75 10:30:00 GMT", "RFC 850 year 75, read as 2075"],
  ])("an absurdly long wait: %p (%s)", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });
});

describe("MAX_RETRY_AFTER_MS", () => {
  test("is ten calendar years with the most leap days they can hold (three)", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(Date.UTC(2034, 0, 1) - Date.UTC(2024, 0, 1));
  });
});
