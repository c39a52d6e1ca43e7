/** Contract: deliveries.claimDue — what is due, in which order, how many, within each endpoint's room, and the lease. */
import { describe, expect, test } from "bun:test";
import { record, success } from "./attempt-records.ts";
import { backends } from "./backends.ts";
import { capacity, claim, commitEvent, commitOne, createEndpoint, ids, LEASE_MS, mustGetDelivery, now, SECOND, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("deliveries.claimDue order and limit", () => {
      test("earliest due first, whatever the creation order", async () => {
        const ep = await createEndpoint(t.store);
        const late = await commitOne(t.store, ep, { dueAt: now + 3 * SECOND });
        const early = await commitOne(t.store, ep, { dueAt: now + 1 * SECOND });
        const middle = await commitOne(t.store, ep, { dueAt: now + 2 * SECOND });
        expect(ids(await claim(t.store, { at: now + 10 * SECOND }))).toEqual([early, middle, late]);
      });

      test("ties in due time go in creation order", async () => {
        const a = await createEndpoint(t.store);
        const b = await createEndpoint(t.store);
        const first = await commitEvent(t.store, { to: [b, a, b], at: now });
        const second = await commitEvent(t.store, { to: [{ endpoint: a, dueAt: now }, { endpoint: b, dueAt: now }], at: now + 1 });
        const claimed = await claim(t.store, { at: now + SECOND });
        expect(ids(claimed)).toEqual([...first.deliveryIds, ...second.deliveryIds]);
      });

      test("takes at most `limit`, the earliest due ones; the rest stay for the next claim", async () => {
        const ep = await createEndpoint(t.store);
        const made: string[] = [];
        for (let i = 0; i < 5; i++) made.push(await commitOne(t.store, ep, { dueAt: now + (5 - i) * SECOND }));
        const byDue = [...made].reverse();
        expect(ids(await claim(t.store, { at: now + 10 * SECOND, limit: 2 }))).toEqual(byDue.slice(0, 2));
        expect(ids(await claim(t.store, { at: now + 10 * SECOND, limit: 2 }))).toEqual(byDue.slice(2, 4));
        expect(ids(await claim(t.store, { at: now + 10 * SECOND, limit: 2 }))).toEqual(byDue.slice(4));
        expect(await claim(t.store, { at: now + 10 * SECOND, limit: 2 })).toEqual([]);
      });

      test("a delivery not yet due is left alone; it is due at exactly its due time", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { dueAt: now + 5 * SECOND });
        expect(await claim(t.store, { at: now + 5 * SECOND - 1 })).toEqual([]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: null, nextAttemptAt: now + 5 * SECOND });
        expect(ids(await claim(t.store, { at: now + 5 * SECOND }))).toEqual([id]);
      });

      test("only pending deliveries are claimed: one created failed is not", async () => {
        const ep = await createEndpoint(t.store);
        await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }] });
        expect(await claim(t.store, { at: now + SECOND })).toEqual([]);
      });

      test("answers the payload with each claimed delivery", async () => {
        const ep = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [ep, { endpoint: null }], payload: `{"order":7}` });
        const claimed = await claim(t.store, { at: now });
        expect(claimed.map((x) => x.payload)).toEqual([`{"order":7}`, `{"order":7}`]);
        expect(claimed.map((x) => x.delivery.eventId)).toEqual([c.event.id, c.event.id]);
      });
    });

    describe("deliveries.claimDue capacity", () => {
      test("takes for an endpoint no more than maxPerEndpoint minus its in-flight count", async () => {
        const busy = await createEndpoint(t.store);
        const idle = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [busy, busy, busy, idle, idle, idle] });
        const claimed = await claim(t.store, { at: now, capacity: capacity(2, { [busy.id]: 1 }) });
        expect(ids(claimed)).toEqual([c.deliveryIds[0]!, c.deliveryIds[3]!, c.deliveryIds[4]!]);
        for (const id of [c.deliveryIds[1]!, c.deliveryIds[2]!, c.deliveryIds[5]!]) {
          expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: null, nextAttemptAt: now });
        }
      });

      test("an endpoint with no room is passed over, and later work of others is still taken", async () => {
        const full = await createEndpoint(t.store);
        const other = await createEndpoint(t.store);
        const first = await commitEvent(t.store, { to: [full, full, full], at: now });
        const later = await commitEvent(t.store, { to: [other], at: now + 1 });
        const claimed = await claim(t.store, { at: now + SECOND, limit: 2, capacity: capacity(3, { [full.id]: 3 }) });
        expect(ids(claimed)).toEqual(later.deliveryIds);
        expect(await mustGetDelivery(t.store, first.deliveryIds[0]!)).toMatchObject({ lease: null });
      });

      test("what one claim takes counts against the room in that claim, and inFlight in the next", async () => {
        const ep = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [ep, ep, ep, ep] });
        const first = await claim(t.store, { at: now, capacity: capacity(2) });
        expect(ids(first)).toEqual(c.deliveryIds.slice(0, 2));
        // The caller now has two in flight: no room left.
        expect(await claim(t.store, { at: now + 1, capacity: capacity(2, { [ep.id]: 2 }) })).toEqual([]);
        // One of them finished (recorded, so its lease ended too): room for one.
        await record(t.store, success(first[0]!.delivery), now + 2);
        expect(ids(await claim(t.store, { at: now + 2, capacity: capacity(2, { [ep.id]: 1 }) }))).toEqual([c.deliveryIds[2]!]);
      });

      test("a maxPerEndpoint of 0 claims nothing of any endpoint", async () => {
        const ep = await createEndpoint(t.store);
        await commitEvent(t.store, { to: [ep, ep] });
        expect(await claim(t.store, { at: now, capacity: capacity(0) })).toEqual([]);
      });
    });

    describe("deliveries.claimDue leases", () => {
      test("the stored delivery carries the lease {owner, until: now + leaseMs, at: now} and is due again at its end", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { dueAt: now });
        const at = now + 7 * SECOND;
        await claim(t.store, { at, owner: "node-b", leaseMs: LEASE_MS });
        const lease = { owner: "node-b", until: at + LEASE_MS, at };
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease, nextAttemptAt: at + LEASE_MS, status: "pending", attemptCount: 0 });
        expect(await t.store.deliveries.earliestDue()).toBe(at + LEASE_MS);
      });

      test("the claimed delivery it answers is the delivery as leased: the lease, and due again at its end", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { dueAt: now });
        const at = now + 7 * SECOND;
        const [claimed] = await claim(t.store, { at, owner: "node-b", leaseMs: LEASE_MS });
        expect(claimed?.delivery).toEqual(await mustGetDelivery(t.store, id));
        expect(claimed?.delivery).toMatchObject({ id, lease: { owner: "node-b", until: at + LEASE_MS, at }, nextAttemptAt: at + LEASE_MS });
      });

      test("a leased delivery is not claimed again while its lease lasts, by its owner or anyone", async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        expect(ids(await claim(t.store, { at: now, owner: "node-a" }))).toEqual([id]);
        expect(await claim(t.store, { at: now + 1, owner: "node-a" })).toEqual([]);
        expect(await claim(t.store, { at: now + LEASE_MS - 1, owner: "node-b" })).toEqual([]);
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: { owner: "node-a", until: now + LEASE_MS, at: now } });
      });

      test("claims taken by several callers at once never share a delivery", async () => {
        const eps = [await createEndpoint(t.store), await createEndpoint(t.store)];
        const c = await commitEvent(t.store, { to: [eps[0]!, eps[1]!, eps[0]!, eps[1]!, eps[0]!, eps[1]!] });
        const results = await Promise.all(
          ["n1", "n2", "n3"].map((owner) => claim(t.store, { at: now, owner, limit: 2 })),
        );
        const all = results.flatMap((r) => ids(r));
        expect(all.sort()).toEqual([...c.deliveryIds].sort());
        for (const [i, r] of results.entries()) {
          for (const x of r) expect((await mustGetDelivery(t.store, x.delivery.id)).lease?.owner).toBe(["n1", "n2", "n3"][i]);
        }
      });
    });
  });
