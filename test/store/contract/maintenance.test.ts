/** Contract: periodic maintenance — autoDisable, pruneEvents, pruneIdempotencyKeys, pruneStats, claimJobRun. */
import { describe, expect, test } from "bun:test";
import { backends } from "./backends.ts";
import { failOnce, record, success } from "./attempt-records.ts";
import { claimOne, commitEvent, commitOne, createEndpoint, DAY, HOUR, MINUTE, mustGetDelivery, mustGetEndpoint, now, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("maintenance.autoDisable", () => {
      test("disables (auto_failing) the enabled endpoints failing since at or before failingBefore, and answers their ids", async () => {
        const longFailing = await createEndpoint(t.store);
        const recentlyFailing = await createEndpoint(t.store);
        const healthy = await createEndpoint(t.store);
        const manuallyOff = await createEndpoint(t.store);
        await failOnce(t.store, longFailing, now);
        await failOnce(t.store, manuallyOff, now + 1);
        await failOnce(t.store, recentlyFailing, now + HOUR);
        await record(t.store, success(await claimOne(t.store, await commitOne(t.store, healthy, { at: now + HOUR + 1 }), { at: now + HOUR + 1 })));
        await t.store.endpoints.setState({ id: manuallyOff.id, state: { enabled: false, reason: "manual" }, now: now + 2 });

        const at = now + 2 * HOUR;
        expect(await t.store.maintenance.autoDisable({ failingBefore: now + MINUTE, now: at })).toEqual([longFailing.id]);
        expect(await mustGetEndpoint(t.store, longFailing.id)).toMatchObject({ state: "disabled", disabledReason: "auto_failing", updatedAt: at });
        expect(await mustGetEndpoint(t.store, recentlyFailing.id)).toMatchObject({ state: "enabled", disabledReason: null });
        expect(await mustGetEndpoint(t.store, healthy.id)).toMatchObject({ state: "enabled", disabledReason: null });
        expect(await mustGetEndpoint(t.store, manuallyOff.id)).toMatchObject({ state: "disabled", disabledReason: "manual" });
        // Done once: a second run finds nothing more to disable.
        expect(await t.store.maintenance.autoDisable({ failingBefore: now + MINUTE, now: at + 1 })).toEqual([]);
      });

      test("the bound is inclusive: failing since exactly failingBefore is disabled", async () => {
        const ep = await createEndpoint(t.store);
        await failOnce(t.store, ep, now);
        const { failingSince } = await mustGetEndpoint(t.store, ep.id);
        expect(await t.store.maintenance.autoDisable({ failingBefore: failingSince! - 1, now: now + HOUR })).toEqual([]);
        expect(await t.store.maintenance.autoDisable({ failingBefore: failingSince!, now: now + HOUR })).toEqual([ep.id]);
      });

      test("several at once, in any order", async () => {
        const a = await createEndpoint(t.store);
        const b = await createEndpoint(t.store);
        await failOnce(t.store, a, now);
        await failOnce(t.store, b, now + 1);
        const disabled = await t.store.maintenance.autoDisable({ failingBefore: now + MINUTE, now: now + HOUR });
        expect([...disabled].sort()).toEqual([a.id, b.id].sort());
      });
    });

    describe("maintenance.pruneEvents", () => {
      test("deletes finished events created before `before`, with their deliveries and attempts", async () => {
        const ep = await createEndpoint(t.store);
        const oldAt = now - 10 * DAY;
        const oldDone = await commitOne(t.store, ep, { at: oldAt });
        await record(t.store, success(await claimOne(t.store, oldDone, { at: oldAt })));
        const oldFailed = await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }], at: oldAt + 1 });
        const oldPending = await commitOne(t.store, ep, { at: oldAt + 2, dueAt: now + DAY });
        const newDone = await commitOne(t.store, ep, { at: now });
        await record(t.store, success(await claimOne(t.store, newDone, { at: now })));
        const oldDoneEvent = (await mustGetDelivery(t.store, oldDone)).eventId;
        const oldPendingEvent = (await mustGetDelivery(t.store, oldPending)).eventId;
        const newDoneEvent = (await mustGetDelivery(t.store, newDone)).eventId;

        expect(await t.store.maintenance.pruneEvents({ before: now - DAY, limit: 100 })).toBe(2);
        expect(await t.store.events.get(oldDoneEvent)).toBeNull();
        expect(await t.store.deliveries.get(oldDone)).toBeNull();
        expect(await t.store.deliveries.attempts(oldDone)).toEqual([]);
        expect(await t.store.events.get(oldFailed.event.id)).toBeNull();
        expect(await t.store.deliveries.attempts(oldFailed.deliveryIds[0]!)).toEqual([]);
        // Still pending: kept, however old.
        expect(await t.store.events.get(oldPendingEvent)).not.toBeNull();
        expect(await mustGetDelivery(t.store, oldPending)).toMatchObject({ status: "pending" });
        // Finished but not older than `before`: kept.
        expect(await t.store.events.get(newDoneEvent)).not.toBeNull();
        expect(await t.store.deliveries.attempts(newDone)).toHaveLength(1);
      });

      test("deletes at most `limit` per call; the next call takes the rest", async () => {
        const ep = await createEndpoint(t.store);
        const events = [];
        for (let i = 0; i < 3; i++) events.push(await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }], at: now - 5 * DAY + i }));
        expect(await t.store.maintenance.pruneEvents({ before: now, limit: 2 })).toBe(2);
        const left = [];
        for (const e of events) if (await t.store.events.get(e.event.id)) left.push(e.event.id);
        expect(left).toHaveLength(1);
        expect(await t.store.maintenance.pruneEvents({ before: now, limit: 2 })).toBe(1);
        expect(await t.store.maintenance.pruneEvents({ before: now, limit: 2 })).toBe(0);
      });

      test("an event created exactly at `before` is kept", async () => {
        const ep = await createEndpoint(t.store);
        const e = await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }], at: now - DAY });
        expect(await t.store.maintenance.pruneEvents({ before: now - DAY, limit: 10 })).toBe(0);
        expect(await t.store.events.get(e.event.id)).not.toBeNull();
      });
    });

    describe("maintenance.pruneIdempotencyKeys", () => {
      test("deletes keys created before `before`; a pruned key can be used again", async () => {
        const ep = await createEndpoint(t.store);
        const key = (requestHash: string) => ({ key: "k-1", requestHash, response: `{"h":"${requestHash}"}` });
        await commitEvent(t.store, { to: [ep], idempotency: key("old"), at: now - 2 * DAY });
        await commitEvent(t.store, { to: [ep], idempotency: { key: "k-2", requestHash: "h", response: "R2" }, at: now });
        expect(await t.store.maintenance.pruneIdempotencyKeys({ before: now - DAY })).toBe(1);
        const reused = await commitEvent(t.store, { to: [ep], idempotency: key("new"), at: now + 1 });
        expect(reused.outcome).toEqual({ kind: "created" });
        expect(await t.store.events.get(reused.event.id)).not.toBeNull();
        // The recent key is kept and still guards its request.
        const again = await commitEvent(t.store, { to: [ep], idempotency: { key: "k-2", requestHash: "other", response: "x" }, at: now + 2 });
        expect(again.outcome).toEqual({ kind: "conflict" });
        expect(await t.store.maintenance.pruneIdempotencyKeys({ before: now - DAY })).toBe(0);
      });
    });

    describe("maintenance.pruneStats", () => {
      test("keeps what a window still reaches; a second prune at the same time finds nothing", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { at: now });
        await record(t.store, success(await claimOne(t.store, id, { at: now })));
        const at = now + 30 * MINUTE;
        const pruned = await t.store.maintenance.pruneStats({ now: at });
        expect(pruned).toBeGreaterThanOrEqual(0);
        expect(await t.store.maintenance.pruneStats({ now: at })).toBe(0);
        const report = await t.store.stats.report({ window: "1h", now: at });
        expect(report.totals.deliveries).toEqual({ pending: 0, succeeded: 1, failed: 0 });
        expect(report.totals.attempts).toBe(1);
      });

      test("figures older than every window are pruned and a later report still answers", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { at: now });
        await record(t.store, success(await claimOne(t.store, id, { at: now })));
        const later = now + 30 * DAY;
        await t.store.maintenance.pruneStats({ now: later });
        expect(await t.store.maintenance.pruneStats({ now: later })).toBe(0);
        const report = await t.store.stats.report({ window: "7d", now: later });
        expect(report.totals.attempts).toBe(0);
        expect(report.totals.deliveries).toEqual({ pending: 0, succeeded: 0, failed: 0 });
      });
    });

    describe("maintenance.claimJobRun", () => {
      test("says yes once per job and scheduled time, to the first of callers asking at once, and keeps saying no", async () => {
        const asks = await Promise.all([0, 1, 2].map(() => t.store.maintenance.claimJobRun({ job: "prune", scheduledAt: now, now })));
        expect(asks.filter(Boolean)).toHaveLength(1);
        expect(await t.store.maintenance.claimJobRun({ job: "prune", scheduledAt: now, now: now + MINUTE })).toBe(false);
      });

      test("another scheduled time or another job is a run of its own", async () => {
        expect(await t.store.maintenance.claimJobRun({ job: "prune", scheduledAt: now, now })).toBe(true);
        expect(await t.store.maintenance.claimJobRun({ job: "prune", scheduledAt: now + HOUR, now: now + HOUR })).toBe(true);
        expect(await t.store.maintenance.claimJobRun({ job: "auto-disable", scheduledAt: now, now })).toBe(true);
      });

      test("a claim is remembered across a reopen", async () => {
        expect(await t.store.maintenance.claimJobRun({ job: "prune", scheduledAt: now, now })).toBe(true);
        const reopened = await t.opened.reopen!();
        expect(await reopened.maintenance.claimJobRun({ job: "prune", scheduledAt: now, now })).toBe(false);
      });
    });
  });
