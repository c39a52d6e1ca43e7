import { describe, expect, test } from "bun:test";
import { isHeaderName, isHeaderValue, RESERVED_HEADERS } from "../../src/domain/headers.ts";

describe("isHeaderName", () => {
  test.each(["X-Webhook-Signature", "x-sakura-signature", "Authorization", "X_Custom", "a", "!#$%&'*+-.^_`|~", "x".repeat(256)])("accepts %p", (name) => {
    expect(isHeaderName(name)).toBe(true);
  });

  test.each([
    ["", "an empty name"],
    ["X Header", "a space"],
    ["X-Header:", "a colon"],
    ["X-Héader", "a non-ASCII letter"],
    ["X-Header\u000d\u000aInjected", "CR LF"],
    ["(X)", "parentheses"],
    ["x".repeat(257), "more than 256 characters"],
  ])("rejects %p (%s)", (name) => {
    expect(isHeaderName(name)).toBe(false);
  });
});

describe("isHeaderValue", () => {
  test.each(["", "Bearer abc", "tab\tinside", "ünïcode", "x".repeat(8192)])("accepts %p", (value) => {
    expect(isHeaderValue(value)).toBe(true);
  });

  test.each([
    ["CR LF", "a\r\nX-Injected: 1"],
    ["LF", "a\nb"],
    ["CR", "a\rb"],
    ["NUL", "a\u0000b"],
    ["DEL", "a\u007fb"],
    ["more than 8192 characters", "x".repeat(8193)],
  ])("rejects a value with %s", (_why, value) => {
    expect(isHeaderValue(value)).toBe(false);
  });
});

describe("RESERVED_HEADERS", () => {
  test.each(["content-type", "content-length", "user-agent", "host", "webhook-id", "webhook-timestamp", "webhook-signature"])("reserves %p", (name) => {
    expect(RESERVED_HEADERS.has(name)).toBe(true);
  });

  test("holds lower-case names only, so callers compare after lower-casing", () => {
    for (const name of RESERVED_HEADERS) expect(name).toBe(name.toLowerCase());
  });
});
