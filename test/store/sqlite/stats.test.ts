import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { coverWindow, STATS_WINDOWS } from "../../../src/store/sqlite/stats-windows.ts";
import type { StatsQuery } from "../../../src/store/contract.ts";
import type { Endpoint, StatsReport, StatsWindow } from "../../../src/domain/model.ts";
import { trafficWriter, type TrafficWriter } from "../../helpers/stats-data.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** An aligned instant: a multiple of every bucket size. */
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
/** The documented percentile resolution (src/store/stats-histogram.ts). */
const TOLERANCE = 0.05;

let s: FreshStore;
let w: TrafficWriter;

beforeEach(() => {
  s = openFreshStore();
  w = trafficWriter(s.store, s.ids);
});
afterEach(() => s.cleanup());

async function endpoint(overrides: Parameters<FreshStore["newEndpoint"]>[0] = {}): Promise<Endpoint> {
  return s.store.endpoints.create({ endpoint: s.newEndpoint(overrides), now: NOW - 30 * DAY });
}

/** The report, which must be the same read from the unfolded minute rows and after folding them into the rollups. */
async function report(window: StatsWindow, extra: Partial<StatsQuery> = {}): Promise<StatsReport> {
  const query = { window, now: NOW, ...extra };
  const unfolded = await s.store.stats.report(query);
  await s.store.housekeeping.foldStats();
  expect(await s.store.stats.report(query)).toEqual(unfolded);
  return unfolded;
}

/** The exact nearest-rank percentile of `values`. */
function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length - 1e-9)) - 1]!;
}

function expectWithin(actual: number | null, expected: number) {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * TOLERANCE);
}

/** A deterministic spread of values from 1 ms to about a minute, log-uniform. */
function spread(n: number, seed = 7): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round(Math.exp((x / 2 ** 31) * Math.log(60_000)));
  });
}

describe("report: counts", () => {
  test("counts deliveries by status now, attempts, failures by error and the attempt-level success rate", async () => {
    const a = await endpoint();
    const b = await endpoint();
    const t = NOW - 30 * MINUTE;
    const [d1] = await w.event([a], t);
    await w.attempt(d1!, t + SECOND, 40);
    const [d2] = await w.event([a], t);
    await w.attempt(await w.attempt(d2!, t + SECOND, 50, { error: "http_status" }), t + 2 * MINUTE, 60);
    const [d3] = await w.event([a], t);
    await w.attempt(await w.attempt(d3!, t + SECOND, 30_000, { error: "timeout" }), t + 2 * MINUTE, 70, { error: "http_status", final: true });
    await w.event([a], t); // stays pending
    const [d5] = await w.event([b], t);
    await w.attempt(d5!, t + SECOND, 80);

    const r = await report("1h");
    expect(r.totals.deliveries).toEqual({ pending: 1, succeeded: 3, failed: 1 });
    expect(r.totals.attempts).toBe(6);
    expect(r.totals.failedAttempts).toBe(3);
    expect(r.totals.successRate).toBe(0.5);
    expect(r.totals.failuresByError).toEqual({ http_status: 2, timeout: 1 });

    const rowA = r.endpoints.find((e) => e.endpointId === a.id)!;
    expect(rowA.deliveries).toEqual({ pending: 1, succeeded: 2, failed: 1 });
    expect(rowA.attempts).toBe(5);
    expect(rowA.successRate).toBe(0.4);
    const rowB = r.endpoints.find((e) => e.endpointId === b.id)!;
    expect(rowB).toMatchObject({ attempts: 1, failedAttempts: 0, successRate: 1, failuresByError: {} });
    expect(r.endpoints.map((e) => e.endpointId)).toEqual([a.id, b.id]); // most attempts first
  });

  test("an empty window answers zeros and nulls, with every series bucket", async () => {
    const r = await report("24h");
    expect(r.endpoints).toEqual([]);
    expect(r.totals).toMatchObject({
      deliveries: { pending: 0, succeeded: 0, failed: 0 },
      attempts: 0,
      failedAttempts: 0,
      successRate: null,
      attemptLatencyMs: { p50: null, p95: null, p99: null },
      timeToDeliveryMs: { p50: null, p95: null, p99: null },
      failuresByError: {},
    });
    expect(r.totals.series).toHaveLength(96);
    expect(r.totals.series.every((p) => p.attempts === 0 && p.failures === 0 && p.p95LatencyMs === null)).toBe(true);
  });

  test("leaves test sends out of every figure", async () => {
    const a = await endpoint();
    const [real] = await w.event([a], NOW - MINUTE);
    await w.attempt(real!, NOW - MINUTE, 10);
    const [testSend] = await w.event([a], NOW - MINUTE, { isTest: true });
    await w.attempt(testSend!, NOW - MINUTE, 5000, { error: "timeout", final: true });
    await w.event([a], NOW - MINUTE, { isTest: true }); // a pending test send
    const r = await report("1h");
    expect(r.totals).toMatchObject({ deliveries: { pending: 0, succeeded: 1, failed: 0 }, attempts: 1, failedAttempts: 0, failuresByError: {} });
    expect(r.totals.attemptLatencyMs.p99).toBe(10);
    expect((await s.store.stats.backlog()).pending).toBe(0);
  });

  test("counts ingest's endpoint_disabled attempts as failures, without a latency", async () => {
    const a = await endpoint();
    await s.store.endpoints.setState({ id: a.id, state: { enabled: false, reason: "manual" }, now: NOW - HOUR });
    await w.event([(await s.store.endpoints.get(a.id))!], NOW - MINUTE);
    const r = await report("1h");
    expect(r.totals).toMatchObject({ deliveries: { pending: 0, succeeded: 0, failed: 1 }, attempts: 1, failedAttempts: 1 });
    expect(r.totals.failuresByError).toEqual({ endpoint_disabled: 1 });
    expect(r.totals.attemptLatencyMs.p50).toBeNull();
  });

  test("counts the attempt a crash cut off, recorded at start-up, as interrupted, without a latency", async () => {
    const a = await endpoint();
    await w.event([a], NOW - 10 * MINUTE);
    await s.store.deliveries.claimDue({ now: NOW - 10 * MINUTE, limit: 10, leaseMs: MINUTE, capacity: { maxPerEndpoint: 10, inFlight: new Map() }, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` });
    expect(await s.store.deliveries.interruptLeases({ now: NOW - 5 * MINUTE, newAttemptId: () => `att_${crypto.randomUUID()}`, owners: "all" })).toHaveLength(1);
    const r = await report("1h");
    expect(r.totals).toMatchObject({ attempts: 1, failedAttempts: 1, failuresByError: { interrupted: 1 }, deliveries: { pending: 1 } });
    // Its duration (lease start to its end) is the cut's, not the receiver's.
    expect(r.totals.attemptLatencyMs.p50).toBeNull();
  });

  test("moves a delivery between statuses as it finishes and is retried", async () => {
    const a = await endpoint();
    const [d] = await w.event([a], NOW - 10 * MINUTE);
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 0 });
    await w.attempt(d!, NOW - 9 * MINUTE, 20, { error: "http_status", final: true });
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 0, succeeded: 0, failed: 1 });
    expect(await s.store.deliveries.retry({ id: d!.id, now: NOW - 8 * MINUTE })).toBe("queued");
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 0 });
    await w.attempt((await s.store.deliveries.get(d!.id))!, NOW - 7 * MINUTE, 20);
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 0, succeeded: 1, failed: 0 });
  });

  test("moves deliveries with a recover and with the deletion of their endpoint", async () => {
    const a = await endpoint();
    const b = await endpoint();
    for (const ep of [a, a, b, b]) {
      const [d] = await w.event([ep], NOW - 20 * MINUTE);
      await w.attempt(d!, NOW - 19 * MINUTE, 20, { error: "timeout", final: true });
    }
    await w.event([b], NOW - 10 * MINUTE);
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 4 });
    expect(await s.store.deliveries.recover({ endpointId: a.id, since: NOW - HOUR, now: NOW - 5 * MINUTE })).toBe(2);
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 3, succeeded: 0, failed: 2 });
    expect(await s.store.endpoints.remove({ id: a.id, now: NOW - 4 * MINUTE })).toEqual({ failedDeliveries: 2 });
    const r = await report("1h");
    expect(r.totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 4 });
    expect(r.endpoints.find((e) => e.endpointId === b.id)!.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 2 });
  });

  test("leaves out the counts of a write rolled back halfway", async () => {
    const a = await endpoint();
    await w.event([a], NOW - MINUTE);
    const delivery = { id: s.ids("dlv"), endpointId: a.id, url: a.url, status: "pending" as const, lastError: null, dueAt: NOW, lease: null };
    const event = (id: string) => ({ id, tenant: "default", type: "order.paid", payload: "{}", occurredAt: NOW, callbackUrl: null, isTest: false });
    // The first delivery is written and counted, the second has its id: the whole event rolls back.
    const failed = s.store.events.commit({ items: [{ event: event(s.ids("evt")), deliveries: [delivery, { ...delivery }], idempotency: null }], now: NOW - MINUTE });
    await expect(failed).rejects.toThrow(/UNIQUE/);
    expect((await report("1h")).totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 0 });
  });

  test("keeps one-off callback_url deliveries in a row of their own (endpoint_id null)", async () => {
    const a = await endpoint();
    const [toEndpoint, toCallback] = await w.event([a, null], NOW - MINUTE);
    await w.attempt(toEndpoint!, NOW - MINUTE, 10);
    await w.attempt(toCallback!, NOW - MINUTE, 10, { error: "dns", final: true });
    const r = await report("1h");
    expect(r.endpoints.map((e) => [e.endpointId, e.attempts, e.failedAttempts])).toEqual([
      [a.id, 1, 0],
      [null, 1, 1],
    ]);
  });
});

describe("report: percentiles", () => {
  test("attempt latency p50/p95/p99 are within 5% of the exact nearest-rank values", async () => {
    const a = await endpoint();
    const durations = spread(600);
    for (const [i, ms] of durations.entries()) {
      const [d] = await w.event([a], NOW - 50 * MINUTE);
      await w.attempt(d!, NOW - 50 * MINUTE + i * SECOND, ms);
    }
    const { attemptLatencyMs } = (await report("1h")).totals;
    expectWithin(attemptLatencyMs.p50, exactPercentile(durations, 0.5));
    expectWithin(attemptLatencyMs.p95, exactPercentile(durations, 0.95));
    expectWithin(attemptLatencyMs.p99, exactPercentile(durations, 0.99));
  }, 30_000);

  test("small whole-millisecond latencies come out exact", async () => {
    const a = await endpoint();
    for (let ms = 1; ms <= 100; ms++) {
      const [d] = await w.event([a], NOW - 30 * MINUTE);
      await w.attempt(d!, NOW - 30 * MINUTE, ms % 10); // 0..9, ten of each
    }
    expect((await report("1h")).totals.attemptLatencyMs).toEqual({ p50: 4, p95: 9, p99: 9 });
  });

  test("time to delivery runs from the event's acceptance to the end of the successful attempt, retries included", async () => {
    const a = await endpoint();
    const expected: number[] = [];
    for (const [i, wait] of spread(200, 3).entries()) {
      const created = NOW - 5 * HOUR + i * MINUTE;
      const [d] = await w.event([a], created);
      const retried = await w.attempt(d!, created + 100, 30, { error: "timeout" });
      await w.attempt(retried, created + wait * 10, 25);
      expected.push(wait * 10 + 25);
    }
    const { timeToDeliveryMs } = (await report("24h")).totals;
    expectWithin(timeToDeliveryMs.p50, exactPercentile(expected, 0.5));
    expectWithin(timeToDeliveryMs.p95, exactPercentile(expected, 0.95));
    expectWithin(timeToDeliveryMs.p99, exactPercentile(expected, 0.99));
  }, 30_000);
});

describe("report: series and window edges", () => {
  test("has every bucket of the window, oldest first, aligned to the bucket size", async () => {
    for (const [window, { lengthMs, bucketMs }] of Object.entries(STATS_WINDOWS)) {
      const aligned = await report(window as StatsWindow);
      expect(aligned.bucketMs).toBe(bucketMs);
      expect(aligned.from).toBe(NOW - lengthMs);
      expect(aligned.to).toBe(NOW);
      expect(aligned.totals.series).toHaveLength(lengthMs / bucketMs);
      expect(aligned.totals.series[0]!.start).toBe(NOW - lengthMs);
      // Not on a boundary: one more bucket, the first starting before `from`.
      const ragged = await report(window as StatsWindow, { now: NOW + 1234 });
      expect(ragged.totals.series).toHaveLength(lengthMs / bucketMs + 1);
      expect(ragged.totals.series[0]!.start).toBe(NOW - lengthMs);
      expect(ragged.totals.series.at(-1)!.start).toBe(NOW);
      const starts = ragged.totals.series.map((p) => p.start);
      expect(starts.every((t, i) => t % bucketMs === 0 && (i === 0 || t - starts[i - 1]! === bucketMs))).toBe(true);
    }
  });

  test("puts attempts in their minute with failures and p95 latency per bucket", async () => {
    const a = await endpoint();
    const [d1] = await w.event([a], NOW - 10 * MINUTE);
    await w.attempt(d1!, NOW - 10 * MINUTE + 5 * SECOND, 100, { error: "timeout" });
    await w.attempt((await s.store.deliveries.get(d1!.id))!, NOW - 10 * MINUTE + 50 * SECOND, 8);
    const [d2] = await w.event([a], NOW - 2 * MINUTE);
    await w.attempt(d2!, NOW - 2 * MINUTE, 3);
    const r = await report("1h");
    const nonEmpty = r.totals.series.filter((p) => p.attempts > 0);
    expect(nonEmpty).toEqual([
      { start: NOW - 10 * MINUTE, attempts: 2, failures: 1, p95LatencyMs: expect.any(Number) },
      { start: NOW - 2 * MINUTE, attempts: 1, failures: 0, p95LatencyMs: 3 },
    ]);
    expectWithin(nonEmpty[0]!.p95LatencyMs, 100);
    expect(r.endpoints[0]!.series).toEqual(r.totals.series);
  });

  test("counts from `from` inclusive to `now` exclusive", async () => {
    const a = await endpoint();
    const [d] = await w.event([a], NOW - HOUR - 1);
    let current = await w.attempt(d!, NOW - HOUR - 1, 1, { error: "timeout" }); // just before: out
    current = await w.attempt(current, NOW - HOUR, 2, { error: "timeout" }); //      first instant: in
    current = await w.attempt(current, NOW - 1, 3, { error: "timeout" }); //         last instant: in
    await w.attempt(current, NOW, 4); //                                              now: out
    const r = await report("1h");
    expect(r.totals.attempts).toBe(2);
    expect(r.totals.deliveries).toEqual({ pending: 0, succeeded: 0, failed: 0 }); // created before the window
    expect((await report("1h", { now: NOW + 1 })).totals.attempts).toBe(2); // NOW - HOUR drops out, NOW comes in
  });

  test("windows that end anywhere count exactly what raw rows say, from rollups of every size and the raw ends", async () => {
    const a = await endpoint({ tenant: "acme" });
    const b = await endpoint({ tenant: "globex" });
    // Attempts scattered over eight days at odd milliseconds.
    const starts = spread(400, 11).map((v, i) => NOW - 8 * DAY + ((v * 104_729 + i * 1_811_939) % (8 * DAY)));
    const byEp: Record<string, number[]> = { [a.id]: [], [b.id]: [] };
    for (const [i, at] of starts.entries()) {
      const ep = i % 3 === 0 ? b : a;
      const [d] = await w.event([ep], at - 1000);
      await w.attempt(d!, at, 10, i % 4 === 0 ? { error: "timeout", final: true } : {});
      byEp[ep.id]!.push(at);
    }
    for (const window of ["1h", "24h", "7d"] as const) {
      for (const now of [NOW, NOW - 7 * MINUTE - 3 * SECOND - 17, NOW - 3 * DAY - 77 * MINUTE - 999]) {
        const { lengthMs, bucketMs } = STATS_WINDOWS[window];
        const inWindow = (t: number) => t >= now - lengthMs && t < now;
        const r = await report(window, { now });
        const all = starts.filter(inWindow);
        expect({ window, now, attempts: r.totals.attempts }).toEqual({ window, now, attempts: all.length });
        for (const p of r.totals.series) {
          const expected = all.filter((t) => Math.floor(t / bucketMs) * bucketMs === p.start).length;
          expect({ window, start: p.start, attempts: p.attempts }).toEqual({ window, start: p.start, attempts: expected });
        }
        const acme = await report(window, { now, tenant: "acme" });
        expect(acme.totals.attempts).toBe(byEp[a.id]!.filter(inWindow).length);
        expect(acme.endpoints.every((e) => e.endpointId === a.id)).toBe(true);
        const onlyB = await report(window, { now, endpointId: b.id });
        expect(onlyB.totals.attempts).toBe(byEp[b.id]!.filter(inWindow).length);
        // Deliveries were created a second before each attempt.
        const created = starts.map((t) => t - 1000).filter(inWindow).length;
        const d = r.totals.deliveries;
        expect(d.pending + d.succeeded + d.failed).toBe(created);
      }
    }
  }, 60_000);
});

describe("report: filters", () => {
  test("a tenant or an endpoint narrows totals and rows", async () => {
    const a = await endpoint({ tenant: "acme" });
    const b = await endpoint({ tenant: "globex" });
    for (const ep of [a, a, b]) {
      const [d] = await w.event([ep], NOW - MINUTE);
      await w.attempt(d!, NOW - MINUTE, 10);
    }
    const acme = await report("1h", { tenant: "acme" });
    expect(acme.totals.attempts).toBe(2);
    expect(acme.endpoints.map((e) => e.endpointId)).toEqual([a.id]);
    const onlyB = await report("1h", { endpointId: b.id });
    expect(onlyB.totals.attempts).toBe(1);
    expect(onlyB.endpoints.map((e) => e.endpointId)).toEqual([b.id]);
    expect((await report("1h", { tenant: "acme", endpointId: b.id })).totals.attempts).toBe(0);
  });
});

describe("coverWindow", () => {
  test("reads whole buckets from the coarsest size and the ends from finer ones, then raw rows", () => {
    const m = MINUTE;
    expect(coverWindow(90 * SECOND, 47 * m + 5, [15 * m, m])).toEqual([
      { level: null, start: 90 * SECOND, end: 2 * m },
      { level: m, start: 2 * m, end: 15 * m },
      { level: 15 * m, start: 15 * m, end: 45 * m },
      { level: m, start: 45 * m, end: 47 * m },
      { level: null, start: 47 * m, end: 47 * m + 5 },
    ]);
    expect(coverWindow(0, 30 * m, [15 * m, m])).toEqual([{ level: 15 * m, start: 0, end: 30 * m }]);
    expect(coverWindow(5, 10, [m])).toEqual([{ level: null, start: 5, end: 10 }]);
  });
});

describe("backlog", () => {
  test("counts pending deliveries without test sends, the oldest, endpoints by state, and the failing ones longest first", async () => {
    const a = await endpoint();
    const b = await endpoint();
    const c = await endpoint();
    await w.event([a], NOW - 3 * HOUR);
    const [db] = await w.event([b], NOW - 2 * HOUR);
    await w.event([a, b], NOW - HOUR);
    await w.event([a], NOW - 4 * HOUR, { isTest: true });
    await w.attempt(db!, NOW - 90 * MINUTE, 5, { error: "timeout" }); // b failing since then, still pending
    const [dc] = await w.event([c], NOW - 5 * HOUR);
    await w.attempt(dc!, NOW - 5 * HOUR, 5, { error: "http_status", final: true }); // c failing since earlier
    await s.store.endpoints.setState({ id: c.id, state: { enabled: false, reason: "manual" }, now: NOW });

    const backlog = await s.store.stats.backlog();
    expect(backlog.pending).toBe(4);
    expect(backlog.oldestPendingCreatedAt).toBe(NOW - 3 * HOUR);
    expect(backlog.endpointsByState).toEqual({ enabled: 2, disabled: 1 });
    expect(backlog.failing).toEqual([
      {
        id: c.id,
        tenant: "default",
        url: c.url,
        state: "disabled",
        disabledReason: "manual",
        failingSince: NOW - 5 * HOUR,
        consecutiveFailures: 1,
        lastSuccessAt: null,
      },
      expect.objectContaining({ id: b.id, state: "enabled", failingSince: NOW - 90 * MINUTE, consecutiveFailures: 1 }),
    ]);
  });

  test("is empty on an empty database", async () => {
    expect(await s.store.stats.backlog()).toEqual({
      pending: 0,
      oldestPendingCreatedAt: null,
      endpointsByState: { enabled: 0, disabled: 0 },
      failing: [],
    });
  });
});

describe("foldStats", () => {
  test("moves the minute rows into rollups of every size, and later counts add to those", async () => {
    const a = await endpoint();
    const [d] = await w.event([a], NOW - 50 * MINUTE);
    await w.attempt(d!, NOW - 50 * MINUTE, 10, { error: "timeout" });
    const live = () => s.db.query("SELECT (SELECT count(*) FROM stats_live) + (SELECT count(*) FROM stats_live_counts) AS n").get() as { n: number };
    expect(live().n).toBeGreaterThan(0);
    expect(await s.store.housekeeping.foldStats()).toBe(3); // one minute row, an error and a latency entry
    expect(live().n).toBe(0);
    const rollups = () => s.db.query("SELECT bucket_ms, attempts, failures, errors, pending, succeeded FROM stats_rollups ORDER BY bucket_ms").all();
    expect(rollups()).toEqual([MINUTE, 15 * MINUTE, 2 * HOUR].map((bucket_ms) => ({ bucket_ms, attempts: 1, failures: 1, errors: '{"timeout":1}', pending: 1, succeeded: 0 })));
    // The same minute again, after its fold: a retry that succeeds.
    await w.attempt((await s.store.deliveries.get(d!.id))!, NOW - 50 * MINUTE + 30 * SECOND, 10);
    expect(await s.store.housekeeping.foldStats()).toBeGreaterThan(0);
    expect(rollups()).toEqual([MINUTE, 15 * MINUTE, 2 * HOUR].map((bucket_ms) => ({ bucket_ms, attempts: 2, failures: 1, errors: '{"timeout":1}', pending: 0, succeeded: 1 })));
    expect(await s.store.housekeeping.foldStats()).toBe(0);
  });
});

describe("pruneStats", () => {
  test("deletes rollups no window reaches, and the reports within reach stay the same", async () => {
    const a = await endpoint();
    for (const at of [NOW - 9 * DAY, NOW - 3 * DAY, NOW - 30 * MINUTE]) {
      const [d] = await w.event([a], at);
      await w.attempt(d!, at, 10);
    }
    const before = await Promise.all((["1h", "24h", "7d"] as const).map((win) => report(win)));
    expect(await s.store.maintenance.pruneStats({ now: NOW })).toBeGreaterThan(0);
    expect(await Promise.all((["1h", "24h", "7d"] as const).map((win) => report(win)))).toEqual(before);
    const left = s.db.query("SELECT bucket_ms, min(bucket_start) AS oldest FROM stats_rollups GROUP BY bucket_ms ORDER BY bucket_ms").all();
    expect(left).toEqual([
      { bucket_ms: MINUTE, oldest: NOW - 30 * MINUTE },
      { bucket_ms: 15 * MINUTE, oldest: NOW - 3 * DAY },
      { bucket_ms: 2 * HOUR, oldest: NOW - 3 * DAY },
    ]);
  });
});
