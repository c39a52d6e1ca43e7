/** Contract: checkWritable, close (writes then reject with StoreUnavailableError; twice is harmless), and durability across a reopen. */
import { describe, expect, test } from "bun:test";
import { StoreUnavailableError } from "../../../src/store/errors.ts";
import { backends } from "./backends.ts";
import { record, success } from "./attempt-records.ts";
import {
  capacity,
  claim,
  claimOne,
  commitEvent,
  createEndpoint,
  endpointInput,
  ids,
  LEASE_MS,
  mustGetDelivery,
  newAttemptId,
  now,
  planEvent,
  useStore,
} from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("checkWritable", () => {
      test("resolves on an open store and leaves no trace in what the contract reads", async () => {
        await t.store.checkWritable();
        expect(await t.store.endpoints.list({ limit: 10 })).toEqual([]);
        expect(await t.store.deliveries.list({ limit: 10 })).toEqual([]);
        expect(await t.store.stats.backlog()).toMatchObject({ pending: 0, endpointsByState: { enabled: 0, disabled: 0 } });
      });
    });

    describe("close", () => {
      test("afterwards every write rejects with StoreUnavailableError (a rejected promise, not a throw)", async () => {
        const ep = await createEndpoint(t.store);
        const event = planEvent({ to: [ep] });
        const store = t.store;
        await store.close();
        const writes: Array<[string, () => Promise<unknown>]> = [
          ["endpoints.create", () => store.endpoints.create({ endpoint: endpointInput(), now })],
          ["endpoints.update", () => store.endpoints.update({ id: ep.id, patch: { description: "x" }, now })],
          ["endpoints.setState", () => store.endpoints.setState({ id: ep.id, state: { enabled: true }, now })],
          ["endpoints.remove", () => store.endpoints.remove({ id: ep.id, now })],
          ["endpoints.rotateSecret", () => store.endpoints.rotateSecret({ id: ep.id, secret: "whsec_x", now, overlapMs: 0, keepPrevious: 0 })],
          ["events.commit", () => store.events.commit({ items: [event.item], now })],
          [
            "deliveries.claimDue",
            () => store.deliveries.claimDue({ now, limit: 1, leaseMs: LEASE_MS, owner: "n", capacity: capacity(), newAttemptId }),
          ],
          ["deliveries.retry", () => store.deliveries.retry({ id: "dlv_x", now })],
          ["deliveries.recover", () => store.deliveries.recover({ endpointId: ep.id, since: 0, now })],
          ["deliveries.interruptLeases", () => store.deliveries.interruptLeases({ owners: "all", now, newAttemptId })],
          ["deliveries.shiftSchedule", () => store.deliveries.shiftSchedule({ stepMs: 1, writtenBefore: now })],
          ["maintenance.autoDisable", () => store.maintenance.autoDisable({ failingBefore: now, now })],
          ["maintenance.pruneEvents", () => store.maintenance.pruneEvents({ before: now, limit: 10 })],
          ["maintenance.pruneIdempotencyKeys", () => store.maintenance.pruneIdempotencyKeys({ before: now })],
          ["maintenance.pruneStats", () => store.maintenance.pruneStats({ now })],
          ["checkWritable", () => store.checkWritable()],
        ];
        const outcomes: Record<string, string> = {};
        for (const [name, write] of writes) {
          let outcome: string;
          try {
            const p = write();
            outcome = await p.then(
              () => "resolved",
              (err: unknown) => (err instanceof StoreUnavailableError ? "StoreUnavailableError" : `rejected: ${String(err)}`),
            );
          } catch (err) {
            outcome = `threw: ${String(err)}`;
          }
          outcomes[name] = outcome;
        }
        expect(outcomes).toEqual(Object.fromEntries(writes.map(([name]) => [name, "StoreUnavailableError"])));
      });

      test("closing twice is harmless", async () => {
        await t.store.close();
        await t.store.close();
      });

      test("closing twice at once is harmless", async () => {
        await Promise.all([t.store.close(), t.store.close()]);
      });
    });

    describe("durability", () => {
      test("what was answered is there after the store is closed and opened again", async () => {
        if (!t.opened.reopen) return; // a backend without a reopen cannot show it
        const ep = await createEndpoint(t.store);
        const idem = { key: "k", requestHash: "h", response: "R" };
        const c = await commitEvent(t.store, { to: [ep, ep], idempotency: idem });
        const done = await claimOne(t.store, c.deliveryIds[0]!, { at: now, owner: "node-a" });
        await record(t.store, success(done));
        await claimOne(t.store, c.deliveryIds[1]!, { at: now + 1, owner: "node-a" });
        const before = {
          endpoint: await t.store.endpoints.get(ep.id),
          secrets: await t.store.endpoints.activeSecrets({ id: ep.id, now }),
          event: await t.store.events.get(c.event.id),
          deliveries: await t.store.deliveries.forEvent(c.event.id),
          attempts: await t.store.deliveries.attempts(done.id),
        };

        const store = await t.opened.reopen();
        expect({
          endpoint: await store.endpoints.get(ep.id),
          secrets: await store.endpoints.activeSecrets({ id: ep.id, now }),
          event: await store.events.get(c.event.id),
          deliveries: await store.deliveries.forEvent(c.event.id),
          attempts: await store.deliveries.attempts(done.id),
        }).toEqual(before);
        // The lease held across the reopen: not claimable until it runs out.
        expect(await claim(t.store, { at: now + 2, owner: "node-b" })).toEqual([]);
        expect(ids(await claim(t.store, { at: now + 1 + LEASE_MS, owner: "node-b" }))).toEqual([c.deliveryIds[1]!]);
        // The idempotency key too.
        const again = await commitEvent(store, { to: [ep], idempotency: idem, at: now + 5 });
        expect(again.outcome).toEqual({ kind: "replayed", response: "R" });
        await store.checkWritable();
        expect((await mustGetDelivery(store, c.deliveryIds[0]!)).status).toBe("succeeded");
      });
    });
  });
