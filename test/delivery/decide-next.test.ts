import { describe, expect, test } from "bun:test";
import { decideNext, type DecideInput, type Decision } from "../../src/delivery/decide-next.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 15, 10, 30);
const policy = { retry_schedule: [1 * MINUTE, 5 * MINUTE], retry_jitter: 0, auto_disable_after: DAY };

/** A first attempt at an endpoint delivery that failed with a 500: override what a case is about. */
function input(overrides: Partial<DecideInput> = {}): DecideInput {
  return {
    delivery: { attemptCount: 0, scheduleStart: 0, isTest: false },
    hasEndpoint: true,
    outcome: { error: "http_status", gone: false },
    statusCode: 500,
    responseHeaders: {},
    now: NOW,
    policy,
    random: () => 0.5,
    ...overrides,
  };
}

const success = { outcome: { error: null, gone: false }, statusCode: 204 } as const;

describe("decideNext", () => {
  const failing = { success: false, disable: null, disableIfFailingBefore: NOW - DAY } as const;
  const cases: [string, Partial<DecideInput>, Decision][] = [
    ["a success ends the delivery and counts for the endpoint", success, { next: { status: "succeeded" }, lastError: null, health: { success: true } }],
    ["a first failure is retried after the first wait and counts against the endpoint", {}, {
      next: { status: "pending", at: NOW + MINUTE },
      lastError: "HTTP 500",
      health: failing,
    }],
    ["the schedule counts from its last restart, not from the first attempt", { delivery: { attemptCount: 7, scheduleStart: 6, isTest: false } }, {
      next: { status: "pending", at: NOW + 5 * MINUTE },
      lastError: "HTTP 500",
      health: failing,
    }],
    ["a failure past the schedule fails the delivery", { delivery: { attemptCount: 2, scheduleStart: 0, isTest: false } }, {
      next: { status: "failed" },
      lastError: "HTTP 500",
      health: failing,
    }],
    ["a 410 fails the delivery and tells the store to disable the endpoint as gone", { outcome: { error: "http_status", gone: true }, statusCode: 410 }, {
      next: { status: "failed" },
      lastError: "HTTP 410",
      health: { success: false, disable: "gone", disableIfFailingBefore: NOW - DAY },
    }],
    ["the Retry-After of a 429 is read from the response headers", { statusCode: 429, responseHeaders: { "retry-after": "180" } }, {
      next: { status: "pending", at: NOW + 3 * MINUTE },
      lastError: "HTTP 429",
      health: failing,
    }],
    ["a transport error with no response is retried, named by its error", { outcome: { error: "timeout", gone: false }, statusCode: null, responseHeaders: null }, {
      next: { status: "pending", at: NOW + MINUTE },
      lastError: "timeout",
      health: failing,
    }],
    ["auto-disable off (0): a failure never disables by streak", { policy: { ...policy, auto_disable_after: 0 } }, {
      next: { status: "pending", at: NOW + MINUTE },
      lastError: "HTTP 500",
      health: { success: false, disable: null, disableIfFailingBefore: null },
    }],
    ["a failed test send is final and leaves the endpoint's health alone", { delivery: { attemptCount: 0, scheduleStart: 0, isTest: true } }, { next: { status: "failed" }, lastError: "HTTP 500", health: null }],
    ["a successful test send leaves the endpoint's health alone", { ...success, delivery: { attemptCount: 0, scheduleStart: 0, isTest: true } }, { next: { status: "succeeded" }, lastError: null, health: null }],
    ["a callback_url delivery has no endpoint health to move", { hasEndpoint: false }, { next: { status: "pending", at: NOW + MINUTE }, lastError: "HTTP 500", health: null }],
  ];
  test.each(cases)("%s", (_, overrides, decision) => {
    expect(decideNext(input(overrides))).toEqual(decision);
  });
});
