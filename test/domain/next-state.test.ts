import { describe, expect, test } from "bun:test";
import { decideNextState, type NextState, type NextStateInput } from "../../src/domain/next-state.ts";
import type { AttemptOutcome } from "../../src/domain/outcome.ts";

const MINUTE = 60_000;
const SCHEDULE = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE];
const NOW = Date.UTC(2025, 0, 16, 10, 30, 0);

/** A random source that fails the test if it is consulted. */
const unused = () => {
  throw new Error("random() should not be called");
};

const failed = (error: AttemptOutcome["error"], gone = false): AttemptOutcome => ({ error, gone });

/** A first failed attempt with a 500, the default schedule, no jitter: override what a case is about. */
function input(overrides: Partial<NextStateInput>): NextStateInput {
  return {
    outcome: failed("http_status"),
    isTest: false,
    failedAttempts: 1,
    schedule: SCHEDULE,
    jitter: 0,
    random: () => 0.5,
    statusCode: 500,
    retryAfter: undefined,
    now: NOW,
    ...overrides,
  };
}

describe("decideNextState", () => {
  const cases: [string, Partial<NextStateInput>, NextState][] = [
    ["a success ends the delivery as succeeded", { outcome: failed(null), statusCode: 204, random: unused }, { status: "succeeded" }],
    ["a success of a test send ends it as succeeded", { outcome: failed(null), statusCode: 200, isTest: true, random: unused }, { status: "succeeded" }],
    ["a first failure waits the first step of the schedule", {}, { status: "pending", at: NOW + 1 * MINUTE }],
    ["a second failure waits the second step", { failedAttempts: 2 }, { status: "pending", at: NOW + 5 * MINUTE }],
    ["a failure past the last step fails the delivery", { failedAttempts: 4, random: unused }, { status: "failed" }],
    ["an empty schedule fails on the first failure", { schedule: [], random: unused }, { status: "failed" }],
    ["a transport error is retried like a status", { outcome: failed("timeout"), statusCode: null }, { status: "pending", at: NOW + 1 * MINUTE }],
    ["a gone endpoint (410) is not retried", { outcome: failed("http_status", true), statusCode: 410, random: unused }, { status: "failed" }],
    ["a disabled endpoint is not retried", { outcome: failed("endpoint_disabled"), statusCode: null, random: unused }, { status: "failed" }],
    ["a failed test send is not retried", { isTest: true, random: unused }, { status: "failed" }],
    ["jitter moves the wait by the random draw", { jitter: 0.5, random: () => 0 }, { status: "pending", at: NOW + 30_000 }],
    ["a 429's longer Retry-After is obeyed", { statusCode: 429, retryAfter: "120" }, { status: "pending", at: NOW + 2 * MINUTE }],
    ["a 503's Retry-After as an HTTP date is read against now", { statusCode: 503, retryAfter: "Thu, 16 Jan 2025 10:40:00 GMT" }, { status: "pending", at: NOW + 10 * MINUTE }],
    ["a shorter Retry-After never hurries the schedule", { statusCode: 429, retryAfter: "5" }, { status: "pending", at: NOW + 1 * MINUTE }],
    ["a Retry-After past the longest step is capped to it", { statusCode: 503, retryAfter: "86400" }, { status: "pending", at: NOW + 30 * MINUTE }],
    ["a Retry-After on a 500 is ignored", { statusCode: 500, retryAfter: "600" }, { status: "pending", at: NOW + 1 * MINUTE }],
    ["a malformed Retry-After is ignored", { statusCode: 429, retryAfter: "soon" }, { status: "pending", at: NOW + 1 * MINUTE }],
    ["a Retry-After does not revive a spent schedule", { statusCode: 429, retryAfter: "60", failedAttempts: 4, random: unused }, { status: "failed" }],
  ];
  test.each(cases)("%s", (_, overrides, next) => {
    expect(decideNextState(input(overrides))).toEqual(next);
  });
});
