import { describe, expect, test } from "bun:test";
import { formatRfc3339, RFC3339_FIRST_MS, RFC3339_LAST_MS } from "../../src/domain/rfc3339.ts";

describe("formatRfc3339", () => {
  test.each([
    [Date.UTC(2024, 0, 15, 10, 30), "2024-01-15T10:30:00Z", "2024-01-15T10:30:00.000Z", "a whole second"],
    [Date.UTC(2024, 0, 15, 10, 30, 0, 250), "2024-01-15T10:30:00Z", "2024-01-15T10:30:00.250Z", "a fraction"],
    [Date.UTC(2024, 0, 15, 10, 30, 59, 999), "2024-01-15T10:30:59Z", "2024-01-15T10:30:59.999Z", "the last millisecond of a second, rounded down"],
    [Date.UTC(2024, 1, 29, 23, 59, 59, 999), "2024-02-29T23:59:59Z", "2024-02-29T23:59:59.999Z", "a leap day, not carried into March"],
    [0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z", "the epoch"],
    [-1, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59.999Z", "before the epoch, rounded down, not toward zero"],
    [RFC3339_FIRST_MS, "0000-01-01T00:00:00Z", "0000-01-01T00:00:00.000Z", "the first instant of year 0000"],
    [RFC3339_LAST_MS, "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999Z", "the last instant of year 9999"],
  ])("writes %p as %p in seconds and %p in milliseconds (%s)", (ms, seconds, milliseconds) => {
    expect(formatRfc3339(ms, "seconds")).toBe(seconds);
    expect(formatRfc3339(ms, "milliseconds")).toBe(milliseconds);
  });

  test.each([
    [RFC3339_FIRST_MS - 1, "the last millisecond of year -0001"],
    [RFC3339_LAST_MS + 1, "the first millisecond of year 10000"],
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "infinity"],
  ])("refuses %p (%s) with a RangeError naming the range", (ms) => {
    expect(() => formatRfc3339(ms, "seconds")).toThrow(new RangeError(`cannot write ${ms} as an RFC 3339 time: expected epoch milliseconds from year 0000 to 9999 UTC`));
    expect(() => formatRfc3339(ms, "milliseconds")).toThrow(RangeError);
  });
});
