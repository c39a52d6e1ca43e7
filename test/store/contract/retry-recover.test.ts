/** Contract: deliveries.retry (one finished delivery again) and deliveries.recover (an endpoint's failed ones since a time). */
import { describe, expect, test } from "bun:test";
import type { Endpoint } from "../../../src/domain/model.ts";
import { backends } from "./backends.ts";
import { failure, record, success } from "./attempt-records.ts";
import { claim, claimOne, commitEvent, commitOne, createEndpoint, HOUR, ids, MINUTE, mustGetDelivery, now, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    /** A delivery created at `at` that ended `how` after one attempt. */
    async function finished(ep: Endpoint, how: "failed" | "succeeded", at = now): Promise<string> {
      const id = await commitOne(t.store, ep, { at, dueAt: at });
      const d = await claimOne(t.store, id, { at });
      await record(t.store, how === "failed" ? failure(d, { next: { status: "failed" } }) : success(d));
      return id;
    }

    describe("deliveries.retry", () => {
      test("queues a failed delivery again at once, a new schedule starting from its attempt count", async () => {
        const ep = await createEndpoint(t.store);
        const id = await finished(ep, "failed");
        const at = now + HOUR;
        expect(await t.store.deliveries.retry({ id, now: at })).toBe("queued");
        expect(await mustGetDelivery(t.store, id)).toMatchObject({
          status: "pending",
          nextAttemptAt: at,
          lease: null,
          attemptCount: 1,
          scheduleStart: 1,
        });
        expect(ids(await claim(t.store, { at }))).toEqual([id]);
      });

      test("queues a succeeded delivery again too", async () => {
        const ep = await createEndpoint(t.store);
        const id = await finished(ep, "succeeded");
        expect(await t.store.deliveries.retry({ id, now: now + MINUTE })).toBe("queued");
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "pending", nextAttemptAt: now + MINUTE, scheduleStart: 1 });
      });

      test('answers "pending" for a delivery still pending, and leaves it as it was', async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep, { dueAt: now + HOUR });
        const before = await mustGetDelivery(t.store, id);
        expect(await t.store.deliveries.retry({ id, now: now + 1 })).toBe("pending");
        expect(await mustGetDelivery(t.store, id)).toEqual(before);
      });

      test('answers "pending" for a leased delivery, whose lease stays', async () => {
        const ep = await createEndpoint(t.store);
        const id = await commitOne(t.store, ep);
        await claimOne(t.store, id, { at: now, owner: "node-a" });
        expect(await t.store.deliveries.retry({ id, now: now + 1 })).toBe("pending");
        expect(await mustGetDelivery(t.store, id)).toMatchObject({ lease: { owner: "node-a" } });
      });

      test('answers "not_found" for an unknown delivery', async () => {
        expect(await t.store.deliveries.retry({ id: "dlv_00000000000000000000000000", now })).toBe("not_found");
      });

      test("a delivery created failed (endpoint disabled) can be retried", async () => {
        const ep = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [{ endpoint: ep, status: "failed" }] });
        expect(await t.store.deliveries.retry({ id: c.deliveryIds[0]!, now: now + 1 })).toBe("queued");
        expect(await mustGetDelivery(t.store, c.deliveryIds[0]!)).toMatchObject({ status: "pending", nextAttemptAt: now + 1 });
      });
    });

    describe("deliveries.recover", () => {
      test("queues the endpoint's failed deliveries created at or after `since`; answers how many", async () => {
        const ep = await createEndpoint(t.store);
        const other = await createEndpoint(t.store);
        const tooOld = await finished(ep, "failed", now);
        const atSince = await finished(ep, "failed", now + MINUTE);
        const later = await finished(ep, "failed", now + 2 * MINUTE);
        const ok = await finished(ep, "succeeded", now + 3 * MINUTE);
        const otherFailed = await finished(other, "failed", now + 4 * MINUTE);
        const stillPending = await commitOne(t.store, ep, { at: now + 5 * MINUTE, dueAt: now + HOUR });

        const at = now + 10 * MINUTE;
        expect(await t.store.deliveries.recover({ endpointId: ep.id, since: now + MINUTE, now: at })).toBe(2);
        for (const id of [atSince, later]) {
          expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "pending", nextAttemptAt: at, lease: null, scheduleStart: 1 });
        }
        expect(await mustGetDelivery(t.store, tooOld)).toMatchObject({ status: "failed" });
        expect(await mustGetDelivery(t.store, ok)).toMatchObject({ status: "succeeded" });
        expect(await mustGetDelivery(t.store, otherFailed)).toMatchObject({ status: "failed" });
        expect(await mustGetDelivery(t.store, stillPending)).toMatchObject({ status: "pending", nextAttemptAt: now + HOUR });
        expect(ids(await claim(t.store, { at }))).toEqual([atSince, later]);
      });

      test("with nothing to recover answers 0, also for an unknown endpoint", async () => {
        const ep = await createEndpoint(t.store);
        await finished(ep, "succeeded");
        expect(await t.store.deliveries.recover({ endpointId: ep.id, since: 0, now: now + 1 })).toBe(0);
        expect(await t.store.deliveries.recover({ endpointId: "ep_missing", since: 0, now: now + 1 })).toBe(0);
      });
    });
  });
