/** Contract: leases that run out or are cut (claimDue, interruptLeases), and the schedule (earliestDue, shiftSchedule). */
import { describe, expect, test } from "bun:test";
import { backends } from "./backends.ts";
import { failure, record, success } from "./attempt-records.ts";
import {
  claim,
  claimDue,
  claimOne,
  commitEvent,
  commitOne,
  createEndpoint,
  ids,
  HOUR,
  LEASE_MS,
  MINUTE,
  mustGetDelivery,
  mustGetEndpoint,
  newAttemptId,
  now,
  SECOND,
  useStore,
} from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    /** A test send as its caller creates it: already leased by `owner`. */
    async function testSend(owner = "node-a", at = now) {
      const ep = await createEndpoint(t.store);
      const c = await commitEvent(t.store, { to: [{ endpoint: ep, lease: { owner, until: at + LEASE_MS } }], isTest: true, at });
      return c.deliveryIds[0]!;
    }

    describe("deliveries.claimDue after a lease ran out", () => {
      test("any owner claims it again, after recording the cut attempt as interrupted", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        await claimOne(t.store, id, { at: now, owner: "node-a" });
        const at = now + LEASE_MS;
        const result = await claimDue(t.store, { at, owner: "node-b" });
        expect(result.interrupted).toEqual([{ deliveryId: id, endpointId: ep.id, isTest: false }]);
        expect(ids(result.claimed)).toEqual([id]);
        expect(result.claimed[0]?.delivery).toMatchObject({ id, status: "pending", attemptCount: 1, lease: { owner: "node-b", until: at + LEASE_MS, at } });
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ attemptCount: 1, lease: { owner: "node-b", until: at + LEASE_MS, at } });
        const attempts = await t.store.deliveries.attempts(id);
        expect(attempts).toHaveLength(1);
        expect(attempts[0]).toMatchObject({ deliveryId: id, endpointId: ep.id, n: 1, error: "interrupted", statusCode: null, isTest: false });
        // The cut was hookgate's, not the endpoint's: its health is untouched.
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null });
      });

      test("the next recorded attempt follows the interrupted one", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        await claimOne(t.store, id, { at: now, owner: "node-a" });
        const d = await claimOne(t.store, id, { at: now + LEASE_MS + 1, owner: "node-a" });
        await record(t.store, success(d));
        const attempts = await t.store.deliveries.attempts(id);
        expect(attempts.map((a) => [a.n, a.error])).toEqual([
          [1, "interrupted"],
          [2, null],
        ]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "succeeded", attemptCount: 2, lease: null });
      });

      test("a test send whose lease ran out is not claimed: it ends failed with an interrupted attempt", async () => {
        const id = await testSend("node-a");
        expect(await claim(t.store, { at: now + LEASE_MS - 1, owner: "node-b" })).toEqual([]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "pending", isTest: true, lease: { owner: "node-a", until: now + LEASE_MS } });
        const result = await claimDue(t.store, { at: now + LEASE_MS, owner: "node-b" });
        expect(result.claimed).toEqual([]);
        expect(result.interrupted).toMatchObject([{ deliveryId: id, isTest: true }]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "failed", lease: null, nextAttemptAt: null, attemptCount: 1 });
        const attempts = await t.store.deliveries.attempts(id);
        expect(attempts).toHaveLength(1);
        expect(attempts[0]).toMatchObject({ n: 1, error: "interrupted", isTest: true, nextAttemptAt: null });
      });
    });

    describe("deliveries.interruptLeases", () => {
      test("cuts only the named owners' leases: interrupted attempt, due again at now; answers the attempts recorded", async () => {
        const ep = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [ep, ep, ep] });
        await claim(t.store, { at: now, owner: "node-a", limit: 2 });
        await claim(t.store, { at: now, owner: "node-b", limit: 1 });
        const at = now + 5 * SECOND;
        const cut = await t.store.deliveries.interruptLeases({ owners: ["node-a"], now: at, newAttemptId });
        expect(cut.map((x) => x.deliveryId).sort()).toEqual(c.deliveryIds.slice(0, 2).sort());
        for (const x of cut) expect(x).toMatchObject({ endpointId: ep.id, isTest: false });
        for (const id of c.deliveryIds.slice(0, 2)) {
          expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "pending", lease: null, nextAttemptAt: at, attemptCount: 1 });
          const attempts = await t.store.deliveries.attempts(id);
          expect(attempts.map((a) => [a.n, a.error])).toEqual([[1, "interrupted"]]);
        }
        const kept = await mustGetDelivery(t.store, c.deliveryIds[2]!);
        expect(kept).toMatchObject({ attemptCount: 0, lease: { owner: "node-b", until: now + LEASE_MS, at: now } });
        expect(await t.store.deliveries.attempts(c.deliveryIds[2]!)).toEqual([]);
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null });
        // Due again at `now`: claimable at once.
        expect(ids(await claim(t.store, { at, owner: "node-c" }))).toEqual(c.deliveryIds.slice(0, 2));
      });

      test('"all" cuts every owner\'s leases, whatever their expiry; unleased work is untouched', async () => {
        const ep = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [ep, ep, { endpoint: ep, dueAt: now + MINUTE }] });
        await claim(t.store, { at: now, owner: "node-a", limit: 1 });
        await claim(t.store, { at: now, owner: "node-b", limit: 1, leaseMs: 10 * MINUTE });
        expect(await t.store.deliveries.interruptLeases({ owners: "all", now: now + 1, newAttemptId })).toHaveLength(2);
        for (const id of c.deliveryIds.slice(0, 2)) {
          expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: null, nextAttemptAt: now + 1, attemptCount: 1 });
        }
        expect(await mustGetDelivery(t.store, c.deliveryIds[2]!)).toMatchObject({ lease: null, nextAttemptAt: now + MINUTE, attemptCount: 0 });
        expect(await t.store.deliveries.attempts(c.deliveryIds[2]!)).toEqual([]);
      });

      test("a leased test send ends failed instead, with its interrupted attempt, and is counted", async () => {
        const id = await testSend("node-a");
        expect(await t.store.deliveries.interruptLeases({ owners: ["node-a"], now: now + 1, newAttemptId })).toMatchObject([
          { deliveryId: id, isTest: true },
        ]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "failed", lease: null, nextAttemptAt: null });
        expect((await t.store.deliveries.attempts(id)).map((a) => a.error)).toEqual(["interrupted"]);
        expect(await claim(t.store, { at: now + LEASE_MS })).toEqual([]);
      });

      test("no leases of those owners: answers none and changes nothing", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        await claim(t.store, { at: now, owner: "node-a" });
        expect(await t.store.deliveries.interruptLeases({ owners: ["node-z"], now: now + 1, newAttemptId })).toHaveLength(0);
        expect(await t.store.deliveries.interruptLeases({ owners: [], now: now + 1, newAttemptId })).toHaveLength(0);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: { owner: "node-a" }, attemptCount: 0 });
      });

      test("a finished delivery is not leased any more and is not cut", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        const d = await claimOne(t.store, id, { at: now, owner: "node-a" });
        await record(t.store, failure(d, { next: { status: "failed" } }));
        expect(await t.store.deliveries.interruptLeases({ owners: "all", now: now + 1, newAttemptId })).toHaveLength(0);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "failed", attemptCount: 1 });
      });
    });

    describe("deliveries.earliestDue", () => {
      test("null with nothing pending; else the earliest due time of any pending delivery, leased or not", async () => {
        expect(await t.store.deliveries.earliestDue()).toBeNull();
        const ep = await createEndpoint(t.store);
        await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }] });
        expect(await t.store.deliveries.earliestDue()).toBeNull();
        await commitOne(t.store, ep, { dueAt: now + 2 * MINUTE });
        const soon = await commitOne(t.store, ep, { dueAt: now + 10 * SECOND });
        expect(await t.store.deliveries.earliestDue()).toBe(now + 10 * SECOND);
        await claimOne(t.store, soon, { at: now + 10 * SECOND });
        // Leased until +40 s: still the earliest.
        expect(await t.store.deliveries.earliestDue()).toBe(now + 10 * SECOND + LEASE_MS);
        const d = await mustGetDelivery(t.store, soon);
        await record(t.store, success(d));
        expect(await t.store.deliveries.earliestDue()).toBe(now + 2 * MINUTE);
      });
    });

    describe("deliveries.shiftSchedule", () => {
      test("moves due times and leases of pending deliveries written at or before writtenBefore; answers how many", async () => {
        const ep = await createEndpoint(t.store);
        const step = 10 * MINUTE;
        const old = await commitOne(t.store, ep, { at: now, dueAt: now + MINUTE });
        const leased = await commitOne(t.store, ep, { at: now, dueAt: now });
        await claimOne(t.store, leased, { at: now + SECOND, owner: "node-a" });
        const fresh = await commitOne(t.store, ep, { at: now + 5 * MINUTE, dueAt: now + 6 * MINUTE });
        const done = await commitOne(t.store, ep, { at: now, dueAt: now + 2 * SECOND });
        await record(t.store, success(await claimOne(t.store, done, { at: now + 2 * SECOND })));

        expect(await t.store.deliveries.shiftSchedule({ stepMs: step, writtenBefore: now + MINUTE })).toBe(2);
        expect(await mustGetDelivery(t.store, old)).toMatchObject({ nextAttemptAt: now + MINUTE + step, lease: null });
        expect(await mustGetDelivery(t.store, leased)).toMatchObject({
          nextAttemptAt: now + SECOND + LEASE_MS + step,
          lease: { owner: "node-a", until: now + SECOND + LEASE_MS + step },
        });
        expect(await mustGetDelivery(t.store, fresh)).toMatchObject({ nextAttemptAt: now + 6 * MINUTE, lease: null });
        expect(await mustGetDelivery(t.store, done)).toMatchObject({ status: "succeeded", nextAttemptAt: null });
        // The shifted lease still holds at its old end.
        expect(ids(await claim(t.store, { at: now + SECOND + LEASE_MS, owner: "node-b" }))).toEqual([]);
      });

      test("a backward step moves them earlier; with nothing written before, it answers 0", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { at: now, dueAt: now + HOUR });
        expect(await t.store.deliveries.shiftSchedule({ stepMs: -10 * MINUTE, writtenBefore: now - 1 })).toBe(0);
        expect(await t.store.deliveries.shiftSchedule({ stepMs: -10 * MINUTE, writtenBefore: now })).toBe(1);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ nextAttemptAt: now + 50 * MINUTE });
        expect(await t.store.deliveries.earliestDue()).toBe(now + 50 * MINUTE);
      });
    });
  });
