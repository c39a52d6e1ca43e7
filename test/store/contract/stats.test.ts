/** Contract: stats.report (counts per window, filters, test sends left out) and stats.backlog. */
import { describe, expect, test } from "bun:test";
import type { Endpoint, StatsFigures } from "../../../src/domain/model.ts";
import { backends } from "./backends.ts";
import { failOnce, failure, record, success } from "./attempt-records.ts";
import { claimOne, commitEvent, commitOne, createEndpoint, HOUR, LEASE_MS, MINUTE, mustGetDelivery, now, SECOND, useStore } from "./harness.ts";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const counts = (f: StatsFigures) => ({ deliveries: f.deliveries, attempts: f.attempts, failedAttempts: f.failedAttempts });

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    /** A delivery to `ep` created at `at` and attempted once then: succeeded or failed for good. */
    async function attempted(ep: Endpoint, how: "succeeded" | "failed", at: number): Promise<string> {
      const id = await commitOne(t.store, ep, { at, dueAt: at });
      const d = await claimOne(t.store, id, { at });
      await record(t.store, how === "succeeded" ? success(d) : failure(d, { next: { status: "failed" } }));
      return id;
    }

    /** A test send to `ep` at `at`, attempted by its caller (who holds its lease). */
    async function testSend(ep: Endpoint, how: "succeeded" | "failed", at: number): Promise<void> {
      const c = await commitEvent(t.store, { to: [{ endpoint: ep, lease: { owner: "node-a", until: at + LEASE_MS } }], isTest: true, at });
      const d = await mustGetDelivery(t.store, c.deliveryIds[0]!);
      await record(t.store, how === "succeeded" ? success(d, { startedAt: at, health: null }) : failure(d, { startedAt: at, next: { status: "failed" }, health: null }));
    }

    /**
     * acme: A (one delivery succeeded, one failed, one two hours ago failed),
     * B (one pending); globex: C (one succeeded); plus test sends to A.
     */
    async function scenario() {
      const a = await createEndpoint(t.store, { tenant: "acme" }, now - 3 * HOUR);
      const b = await createEndpoint(t.store, { tenant: "acme" }, now - 3 * HOUR);
      const c = await createEndpoint(t.store, { tenant: "globex" }, now - 3 * HOUR);
      await attempted(a, "failed", now - 2 * HOUR);
      await attempted(a, "succeeded", now);
      await attempted(a, "failed", now + MINUTE);
      await attempted(c, "succeeded", now + 2 * MINUTE);
      await commitOne(t.store, b, { at: now + 3 * MINUTE, dueAt: now + 5 * HOUR });
      await testSend(a, "succeeded", now + 4 * MINUTE);
      await testSend(a, "failed", now + 5 * MINUTE);
      return { a, b, c };
    }

    describe("stats.report", () => {
      test("the 1h window: deliveries created in it by status now, attempts started in it, test sends left out", async () => {
        await scenario();
        const at = now + 10 * MINUTE;
        const r = await t.store.stats.report({ window: "1h", now: at });
        expect({ window: r.window, from: r.from, to: r.to, bucketMs: r.bucketMs }).toEqual({ window: "1h", from: at - HOUR, to: at, bucketMs: MINUTE });
        expect(counts(r.totals)).toEqual({ deliveries: { pending: 1, succeeded: 2, failed: 1 }, attempts: 3, failedAttempts: 1 });
        expect(r.totals.successRate).toBeCloseTo(2 / 3, 6);
        expect(r.totals.failuresByError).toEqual({ http_status: 1 });
        expect(r.totals.attemptLatencyMs.p50).not.toBeNull();
        expect(r.totals.series).toHaveLength(60);
        expect(r.totals.series[0]?.start).toBe(at - HOUR);
        expect(sum(r.totals.series.map((p) => p.attempts))).toBe(3);
        expect(sum(r.totals.series.map((p) => p.failures))).toBe(1);
      });

      test("one row per endpoint with any delivery or attempt in the window", async () => {
        const { a, b, c } = await scenario();
        const r = await t.store.stats.report({ window: "1h", now: now + 10 * MINUTE });
        const rows = Object.fromEntries(r.endpoints.map((e) => [e.endpointId, counts(e)]));
        expect(rows).toEqual({
          [a.id]: { deliveries: { pending: 0, succeeded: 1, failed: 1 }, attempts: 2, failedAttempts: 1 },
          [b.id]: { deliveries: { pending: 1, succeeded: 0, failed: 0 }, attempts: 0, failedAttempts: 0 },
          [c.id]: { deliveries: { pending: 0, succeeded: 1, failed: 0 }, attempts: 1, failedAttempts: 0 },
        });
      });

      test("the 24h window also counts what happened two hours ago", async () => {
        const { a } = await scenario();
        const r = await t.store.stats.report({ window: "24h", now: now + 10 * MINUTE });
        expect(r.bucketMs).toBe(15 * MINUTE);
        expect(counts(r.totals)).toEqual({ deliveries: { pending: 1, succeeded: 2, failed: 2 }, attempts: 4, failedAttempts: 2 });
        expect(counts(r.endpoints.find((e) => e.endpointId === a.id)!)).toEqual({
          deliveries: { pending: 0, succeeded: 1, failed: 2 },
          attempts: 3,
          failedAttempts: 2,
        });
      });

      test("the tenant filter counts only that tenant's deliveries and endpoints", async () => {
        const { a, b, c } = await scenario();
        const at = now + 10 * MINUTE;
        const acme = await t.store.stats.report({ window: "1h", now: at, tenant: "acme" });
        expect(counts(acme.totals)).toEqual({ deliveries: { pending: 1, succeeded: 1, failed: 1 }, attempts: 2, failedAttempts: 1 });
        expect(acme.endpoints.map((e) => e.endpointId).sort()).toEqual([a.id, b.id].sort());
        const globex = await t.store.stats.report({ window: "1h", now: at, tenant: "globex" });
        expect(counts(globex.totals)).toEqual({ deliveries: { pending: 0, succeeded: 1, failed: 0 }, attempts: 1, failedAttempts: 0 });
        expect(globex.endpoints.map((e) => e.endpointId)).toEqual([c.id]);
        const none = await t.store.stats.report({ window: "1h", now: at, tenant: "initech" });
        expect(counts(none.totals)).toEqual({ deliveries: { pending: 0, succeeded: 0, failed: 0 }, attempts: 0, failedAttempts: 0 });
        expect(none.totals.successRate).toBeNull();
        expect(none.endpoints).toEqual([]);
      });

      test("the endpoint filter counts only that endpoint", async () => {
        const { a } = await scenario();
        const r = await t.store.stats.report({ window: "1h", now: now + 10 * MINUTE, endpointId: a.id });
        expect(counts(r.totals)).toEqual({ deliveries: { pending: 0, succeeded: 1, failed: 1 }, attempts: 2, failedAttempts: 1 });
        expect(r.endpoints.map((e) => e.endpointId)).toEqual([a.id]);
      });

      test("a callback_url delivery counts in the totals and in a row whose endpointId is null", async () => {
        const d = await claimOne(t.store, await commitOne(t.store, null, { at: now }), { at: now });
        await record(t.store, success(d, { health: null }));
        const r = await t.store.stats.report({ window: "1h", now: now + MINUTE });
        expect(counts(r.totals)).toEqual({ deliveries: { pending: 0, succeeded: 1, failed: 0 }, attempts: 1, failedAttempts: 0 });
        expect(r.endpoints.map((e) => [e.endpointId, e.deliveries.succeeded])).toEqual([[null, 1]]);
      });

      test("the window is half-open: what happens at its end is not in it", async () => {
        const ep = await createEndpoint(t.store);
        await attempted(ep, "succeeded", now);
        const atEnd = await t.store.stats.report({ window: "1h", now });
        expect(counts(atEnd.totals)).toEqual({ deliveries: { pending: 0, succeeded: 0, failed: 0 }, attempts: 0, failedAttempts: 0 });
        const justAfter = await t.store.stats.report({ window: "1h", now: now + MINUTE });
        expect(counts(justAfter.totals)).toEqual({ deliveries: { pending: 0, succeeded: 1, failed: 0 }, attempts: 1, failedAttempts: 0 });
      });

      test("a delivery counts under its status now: pending, then succeeded once it did", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { at: now });
        const before = await t.store.stats.report({ window: "1h", now: now + MINUTE });
        expect(before.totals.deliveries).toEqual({ pending: 1, succeeded: 0, failed: 0 });
        await record(t.store, success(await claimOne(t.store, id, { at: now })));
        const after = await t.store.stats.report({ window: "1h", now: now + MINUTE });
        expect(after.totals.deliveries).toEqual({ pending: 0, succeeded: 1, failed: 0 });
        expect(after.totals.timeToDeliveryMs.p50).not.toBeNull();
      });
    });

    describe("stats.backlog", () => {
      test("an empty store: nothing pending, no endpoints, none failing", async () => {
        expect(await t.store.stats.backlog()).toEqual({
          pending: 0,
          oldestPendingCreatedAt: null,
          endpointsByState: { enabled: 0, disabled: 0 },
          failing: [],
        });
      });

      test("pending work (test sends left out), endpoints by state, and the failing ones longest first", async () => {
        const a = await createEndpoint(t.store, { url: "https://a.example.com/" });
        const b = await createEndpoint(t.store, { url: "https://b.example.com/" });
        const off = await createEndpoint(t.store);
        await failOnce(t.store, b, now);
        await failOnce(t.store, a, now + MINUTE);
        await failOnce(t.store, a, now + 2 * MINUTE);
        await t.store.endpoints.setState({ id: off.id, state: { enabled: false, reason: "manual" }, now: now + 3 * MINUTE });
        await commitOne(t.store, a, { at: now + 4 * MINUTE, dueAt: now + HOUR });
        await commitOne(t.store, off, { at: now + 5 * MINUTE, dueAt: now + HOUR });
        await commitEvent(t.store, { to: [{ endpoint: a, lease: { owner: "node-a", until: now + HOUR } }], isTest: true, at: now + 3 * MINUTE });

        const snap = await t.store.stats.backlog();
        expect(snap.pending).toBe(2);
        expect(snap.oldestPendingCreatedAt).toBe(now + 4 * MINUTE);
        expect(snap.endpointsByState).toEqual({ enabled: 2, disabled: 1 });
        expect(snap.failing.map((f) => f.id)).toEqual([b.id, a.id]);
        expect(snap.failing[1]).toMatchObject({
          id: a.id,
          tenant: "acme",
          url: "https://a.example.com/",
          state: "enabled",
          disabledReason: null,
          consecutiveFailures: 2,
          lastSuccessAt: null,
        });
        expect(snap.failing[1]?.failingSince).toBeGreaterThan(snap.failing[0]!.failingSince!);
      });

      test("a failing endpoint that was disabled still counts as failing; a recovered one does not", async () => {
        const gone = await createEndpoint(t.store);
        const recovered = await createEndpoint(t.store);
        await failOnce(t.store, recovered, now);
        const id = await commitOne(t.store, gone, { at: now + 1 });
        const d = await claimOne(t.store, id, { at: now + 1 });
        await record(t.store, failure(d, { statusCode: 410, next: { status: "failed" }, health: { success: false, disable: "gone", disableIfFailingBefore: null } }));
        await record(t.store, success(await claimOne(t.store, await commitOne(t.store, recovered, { at: now + 2 }), { at: now + 2 })));
        const snap = await t.store.stats.backlog();
        expect(snap.endpointsByState).toEqual({ enabled: 1, disabled: 1 });
        expect(snap.failing).toHaveLength(1);
        expect(snap.failing[0]).toMatchObject({ id: gone.id, state: "disabled", disabledReason: "gone", consecutiveFailures: 1 });
      });

      test("lists at most 50 failing endpoints, the longest failing ones", async () => {
        const eps: Endpoint[] = [];
        for (let i = 0; i < 52; i++) {
          const ep = await createEndpoint(t.store);
          await failOnce(t.store, ep, now + i * SECOND);
          eps.push(ep);
        }
        const snap = await t.store.stats.backlog();
        expect(snap.failing.map((f) => f.id)).toEqual(eps.slice(0, 50).map((e) => e.id));
      });
    });
  });
