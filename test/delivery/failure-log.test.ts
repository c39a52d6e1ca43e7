/**
 * The failure log's lines, fed recorded attempts directly with a fake clock:
 * one line when a streak starts, at most one summary per interval, one at
 * the recovery, every failure counted once, and bounded memory.
 */
import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/clock.ts";
import { FailureLog } from "../../src/delivery/failure-log.ts";
import { createLogger } from "../../src/log.ts";
import type { AttemptRecord } from "../../src/store/contract.ts";

const T0 = Date.UTC(2026, 0, 15, 10, 30);
const INTERVAL = 60_000;

interface Attempt {
  endpointId?: string | null;
  url?: string;
  error?: string | null;
  status?: number | null;
  isTest?: boolean;
}

let nextId = 0;
function record(a: Attempt = {}): AttemptRecord {
  const id = ++nextId;
  const error = a.error === undefined ? "http_status" : a.error;
  return {
    delivery: {
      id: `dlv_${id}`,
      eventId: `evt_${id}`,
      tenant: "acme",
      eventType: "a.b",
      endpointId: a.endpointId === undefined ? "ep_1" : a.endpointId,
      url: a.url ?? "https://hooks.example:8443/in?token=not-for-logs",
      status: "pending",
      attemptCount: 0,
      nextAttemptAt: T0,
      lease: { owner: "node_test", until: T0 + 60_000, at: T0 },
      lastError: null,
      scheduleStart: 0,
      isTest: a.isTest ?? false,
      createdAt: T0,
      updatedAt: T0,
    },
    attempt: {
      id: `att_${id}`,
      deliveryId: `dlv_${id}`,
      n: 1,
      startedAt: T0,
      durationMs: 20,
      statusCode: a.status === undefined ? (error === null ? 200 : 500) : a.status,
      error,
      requestHeaders: {},
      responseHeaders: {},
      responseBody: null,
      responseTruncated: false,
      nextAttemptAt: null,
    },
    next: error === null ? { status: "succeeded" } : { status: "failed" },
    lastError: error,
    health: null,
  };
}

function setup(options: { maxStreaks?: number } = {}) {
  const lines: Record<string, any>[] = [];
  const clock = new FakeClock(T0);
  const log = createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line)) });
  const failures = new FailureLog({ log, clock, summaryIntervalMs: INTERVAL, ...options });
  return { lines, clock, failures, msgs: () => lines.map((l) => l.msg) };
}

describe("FailureLog", () => {
  test("a streak writes a warn line at its first failure, nothing more within the interval, then a summary of the failures since", () => {
    const { lines, clock, failures, msgs } = setup();
    failures.attemptRecorded(record({ error: "timeout", status: null }));
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", msg: "endpoint failing", endpoint_id: "ep_1", url_host: "hooks.example:8443", error: "timeout", status: null, failures: 1 }),
    ]);
    for (let i = 0; i < 500; i++) {
      clock.advance(100);
      failures.attemptRecorded(record());
    }
    expect(msgs()).toEqual(["endpoint failing"]);
    clock.advance(INTERVAL - 500 * 100);
    failures.attemptRecorded(record({ error: "connection_refused", status: null }));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: "warn",
      msg: "endpoint still failing",
      endpoint_id: "ep_1",
      failures: 501,
      failures_in_streak: 502,
      failing_for_ms: INTERVAL,
      last_error: "connection_refused",
      last_status: null,
    });
    // The interval runs from the summary: the next one is due a whole interval later.
    clock.advance(INTERVAL - 1);
    failures.attemptRecorded(record());
    expect(lines).toHaveLength(2);
    clock.advance(1);
    failures.attemptRecorded(record());
    expect(lines[2]).toMatchObject({ msg: "endpoint still failing", failures: 2, failures_in_streak: 504, last_error: "http_status", last_status: 500 });
  });

  test("the first success after failing writes one info line with the failures since the last line, the streak's total and its length; then a failure starts a new streak", () => {
    const { lines, clock, failures, msgs } = setup();
    failures.attemptRecorded(record());
    clock.advance(INTERVAL);
    failures.attemptRecorded(record());
    failures.attemptRecorded(record());
    clock.advance(7_000);
    failures.attemptRecorded(record({ error: null }));
    failures.attemptRecorded(record({ error: null }));
    expect(msgs()).toEqual(["endpoint failing", "endpoint still failing", "endpoint recovered"]);
    expect(lines[2]).toMatchObject({ level: "info", endpoint_id: "ep_1", failures: 1, failures_in_streak: 3, failing_for_ms: INTERVAL + 7_000 });
    expect(failures.size).toBe(0);
    failures.attemptRecorded(record());
    expect(msgs().at(-1)).toBe("endpoint failing");
  });

  test("a success without a streak writes nothing", () => {
    const { lines, failures } = setup();
    failures.attemptRecorded(record({ error: null }));
    expect(lines).toEqual([]);
  });

  test("every failure is counted in exactly one line, whatever the pace", () => {
    const { lines, clock, failures } = setup();
    // A fixed, irregular pace: bursts, pauses longer than the interval, recoveries.
    let failed = 0;
    for (let i = 0; i < 5_000; i++) {
      clock.advance((i * 7919) % 1_000 === 0 ? 2 * INTERVAL : (i * 31) % 97);
      const success = i % 1_234 === 1_233;
      failures.attemptRecorded(record({ error: success ? null : "http_status" }));
      if (!success) failed++;
    }
    failures.attemptRecorded(record({ error: null }));
    expect(lines.reduce((sum, l) => sum + l.failures, 0)).toBe(failed);
    // Bounded: one line per streak start and recovery, and per interval of the run at most.
    expect(lines.length).toBeLessThanOrEqual(2 * 5 + Math.ceil(clock.monotonic() / INTERVAL) + 1);
  });

  test("interrupted attempts and test sends are not the endpoint's doing: they neither start, extend nor end a streak", () => {
    const { lines, clock, failures, msgs } = setup();
    failures.attemptRecorded(record({ error: "interrupted", status: null }));
    failures.attemptRecorded(record({ isTest: true }));
    expect(lines).toEqual([]);
    failures.attemptRecorded(record());
    clock.advance(INTERVAL);
    failures.attemptRecorded(record({ error: "interrupted", status: null }));
    failures.attemptRecorded(record({ isTest: true, error: null }));
    expect(msgs()).toEqual(["endpoint failing"]);
    failures.attemptRecorded(record({ error: null }));
    expect(lines[1]).toMatchObject({ msg: "endpoint recovered", failures: 0, failures_in_streak: 1 });
  });

  test("each endpoint has its own streak; one-off callback deliveries have one per destination host", () => {
    const { lines, failures } = setup();
    failures.attemptRecorded(record({ endpointId: "ep_1" }));
    failures.attemptRecorded(record({ endpointId: "ep_2" }));
    failures.attemptRecorded(record({ endpointId: null, url: "https://a.example/cb/1" }));
    failures.attemptRecorded(record({ endpointId: null, url: "https://a.example/cb/2" }));
    failures.attemptRecorded(record({ endpointId: null, url: "https://b.example/cb" }));
    expect(lines.map((l) => [l.msg, l.endpoint_id, l.url_host])).toEqual([
      ["endpoint failing", "ep_1", "hooks.example:8443"],
      ["endpoint failing", "ep_2", "hooks.example:8443"],
      ["endpoint failing", null, "a.example"],
      ["endpoint failing", null, "b.example"],
    ]);
    failures.attemptRecorded(record({ endpointId: null, url: "https://a.example/cb/3", error: null }));
    expect(lines.at(-1)).toMatchObject({ msg: "endpoint recovered", endpoint_id: null, url_host: "a.example", failures_in_streak: 2 });
  });

  test("no line carries a URL's path or query", () => {
    const { lines, clock, failures } = setup();
    failures.attemptRecorded(record());
    clock.advance(INTERVAL);
    failures.attemptRecorded(record());
    failures.attemptRecorded(record({ error: null }));
    expect(JSON.stringify(lines)).not.toContain("not-for-logs");
  });

  test("a deleted endpoint's streak is forgotten, its unreported failures written first", () => {
    const { lines, failures, msgs } = setup();
    failures.attemptRecorded(record({ endpointId: "ep_1" }));
    failures.attemptRecorded(record({ endpointId: "ep_1" }));
    failures.attemptRecorded(record({ endpointId: "ep_2" }));
    failures.endpointDeleted("ep_1");
    failures.endpointDeleted("ep_2");
    failures.endpointDeleted("ep_3");
    expect(failures.size).toBe(0);
    expect(msgs()).toEqual(["endpoint failing", "endpoint failing", "endpoint still failing"]);
    expect(lines[2]).toMatchObject({ endpoint_id: "ep_1", failures: 1, failures_in_streak: 2, forgotten: "endpoint deleted" });
  });

  test("memory is bounded: beyond maxStreaks the endpoint that failed least recently is forgotten, its unreported failures written", () => {
    const { lines, failures } = setup({ maxStreaks: 3 });
    for (const ep of ["ep_1", "ep_2", "ep_3"]) failures.attemptRecorded(record({ endpointId: ep }));
    // ep_1 failed again, so ep_2 is now the one that failed least recently.
    failures.attemptRecorded(record({ endpointId: "ep_1" }));
    failures.attemptRecorded(record({ endpointId: "ep_4" }));
    expect(failures.size).toBe(3);
    // ep_2 had nothing unreported: no line for it.
    expect(lines.map((l) => l.endpoint_id)).toEqual(["ep_1", "ep_2", "ep_3", "ep_4"]);
    failures.attemptRecorded(record({ endpointId: "ep_5" })); // forgets ep_3 (nothing unreported)
    failures.attemptRecorded(record({ endpointId: "ep_6" })); // forgets ep_1, with one unreported failure
    expect(failures.size).toBe(3);
    expect(lines.at(-2)).toMatchObject({ msg: "endpoint still failing", endpoint_id: "ep_1", failures: 1, forgotten: "more than 3 endpoints failing at once" });
    for (let i = 0; i < 1_000; i++) failures.attemptRecorded(record({ endpointId: `ep_many_${i}` }));
    expect(failures.size).toBe(3);
  });

  test("a step of the wall clock moves neither the interval nor the streak's length", () => {
    const { lines, clock, failures } = setup();
    failures.attemptRecorded(record());
    clock.step(10 * INTERVAL);
    failures.attemptRecorded(record());
    expect(lines).toHaveLength(1);
    clock.advance(1_000);
    failures.attemptRecorded(record({ error: null }));
    expect(lines[1]).toMatchObject({ msg: "endpoint recovered", failing_for_ms: 1_000 });
  });
});
