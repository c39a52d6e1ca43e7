import { describe, expect, test } from "bun:test";
import { EVENT_TYPE_PATTERN, matchesEventType, subscribesTo } from "../../src/domain/event-types.ts";

describe("matchesEventType", () => {
  test.each([
    ["*", "message.delivered", true],
    ["*", "credit.low", true],
    ["message.delivered", "message.delivered", true],
    ["message.delivered", "message.failed", false],
    ["message.delivered", "message.delivered.late", false],
    ["message.delivered", "message", false],
    ["message.*", "message.delivered", true],
    ["message.*", "message.sms.x", true],
    ["message.*", "messages.x", false],
    ["message.*", "message", false],
    ["message.*", "credit.low", false],
    ["message.sms.*", "message.sms.delivered", true],
    ["message.sms.*", "message.email.delivered", false],
  ])("pattern %p selects %p: %p", (pattern, type, expected) => {
    expect(matchesEventType(pattern, type)).toBe(expected);
  });
});

describe("subscribesTo", () => {
  test.each([
    [["*"], "credit.low", true],
    [["message.delivered", "message.failed"], "message.failed", true],
    [["message.delivered", "message.failed"], "message.sent", false],
    [["credit.*", "message.delivered"], "credit.purchased", true],
    [["credit.*", "message.delivered"], "contact.opted_out", false],
    [[], "message.delivered", false],
  ])("patterns %p select %p: %p", (patterns, type, expected) => {
    expect(subscribesTo(patterns, type)).toBe(expected);
  });
});

describe("EVENT_TYPE_PATTERN", () => {
  test.each(["*", "message", "message.delivered", "message.*", "message.sms.*", "contact.opted_out", "v2.x9"])("accepts %p", (pattern) => {
    expect(EVENT_TYPE_PATTERN.test(pattern)).toBe(true);
  });

  test.each(["", "Message.delivered", "message.", ".message", "message..delivered", "message*", "*.delivered", "message.*.x", "**", "message delivered"])(
    "rejects %p",
    (pattern) => {
      expect(EVENT_TYPE_PATTERN.test(pattern)).toBe(false);
    },
  );
});
