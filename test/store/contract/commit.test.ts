/** Contract: events.commit — the event with its deliveries, idempotency, batches — and reading deliveries back. */
import { describe, expect, test } from "bun:test";
import { backends } from "./backends.ts";
import { CALLBACK_URL, commitEvent, createEndpoint, ids, MINUTE, now, planEvent, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("events.commit", () => {
      test("writes the event and fans out one pending delivery per entry, as given", async () => {
        const a = await createEndpoint(t.store);
        const b = await createEndpoint(t.store, { url: "https://b.example.com/in" });
        const c = await commitEvent(t.store, { to: [a, { endpoint: b, dueAt: now + MINUTE }, { endpoint: null }], type: "user.created" });
        expect(c.outcome).toEqual({ kind: "created" });
        expect(await t.store.events.get(c.event.id)).toEqual({ ...c.event, createdAt: now });
        const rows = (await t.store.deliveries.forEvent(c.event.id)).sort((x, y) => (x.id < y.id ? -1 : 1));
        const common = {
          eventId: c.event.id,
          tenant: "acme",
          eventType: "user.created",
          status: "pending" as const,
          attemptCount: 0,
          lease: null,
          lastError: null,
          scheduleStart: 0,
          isTest: false,
          createdAt: now,
          updatedAt: now,
        };
        expect(rows).toEqual([
          { ...common, id: c.deliveryIds[0]!, endpointId: a.id, url: a.url, nextAttemptAt: now },
          { ...common, id: c.deliveryIds[1]!, endpointId: b.id, url: "https://b.example.com/in", nextAttemptAt: now + MINUTE },
          { ...common, id: c.deliveryIds[2]!, endpointId: null, url: CALLBACK_URL, nextAttemptAt: now },
        ]);
        expect(await t.store.deliveries.get(c.deliveryIds[1]!)).toEqual(rows[1]!);
      });

      test("an event with no deliveries is written alone", async () => {
        const c = await commitEvent(t.store, { to: [] });
        expect(c.outcome).toEqual({ kind: "created" });
        expect(await t.store.events.get(c.event.id)).not.toBeNull();
        expect(await t.store.deliveries.forEvent(c.event.id)).toEqual([]);
      });

      test("a delivery created failed carries its endpoint_disabled attempt (unsentAttemptId)", async () => {
        const off = await createEndpoint(t.store);
        const on = await createEndpoint(t.store);
        const c = await commitEvent(t.store, { to: [{ endpoint: off, status: "failed" }, on] });
        const failed = await t.store.deliveries.get(c.deliveryIds[0]!);
        expect(failed).toMatchObject({ status: "failed", lastError: "endpoint_disabled", nextAttemptAt: null, lease: null });
        const attempts = await t.store.deliveries.attempts(c.deliveryIds[0]!);
        expect(attempts).toHaveLength(1);
        expect(attempts[0]).toMatchObject({
          id: c.unsentAttemptIds[0],
          deliveryId: c.deliveryIds[0],
          endpointId: off.id,
          n: 1,
          statusCode: null,
          error: "endpoint_disabled",
          nextAttemptAt: null,
          isTest: false,
        });
        expect(failed?.attemptCount).toBe(attempts.length);
        expect(await t.store.deliveries.get(c.deliveryIds[1]!)).toMatchObject({ status: "pending" });
        expect(await t.store.deliveries.attempts(c.deliveryIds[1]!)).toEqual([]);
      });

      test("get answers null for an unknown event", async () => {
        expect(await t.store.events.get("evt_00000000000000000000000000")).toBeNull();
      });
    });

    describe("events.commit idempotency", () => {
      const key = (requestHash: string, response = `{"id":"first"}`) => ({ key: "order-42", requestHash, response });

      test("the same key with the same request replays the first response and writes no second event", async () => {
        const ep = await createEndpoint(t.store);
        const first = await commitEvent(t.store, { to: [ep], idempotency: key("h1") });
        expect(first.outcome).toEqual({ kind: "created" });
        const again = await commitEvent(t.store, { to: [ep], idempotency: key("h1", `{"id":"second"}`), at: now + 1 });
        expect(again.outcome).toEqual({ kind: "replayed", response: `{"id":"first"}` });
        expect(await t.store.events.get(again.event.id)).toBeNull();
        expect(await t.store.deliveries.forEvent(again.event.id)).toEqual([]);
        expect(await t.store.deliveries.get(again.deliveryIds[0]!)).toBeNull();
        expect(await t.store.deliveries.list({ limit: 10 })).toHaveLength(1);
      });

      test("the same key with another request is a conflict and writes nothing", async () => {
        const ep = await createEndpoint(t.store);
        await commitEvent(t.store, { to: [ep], idempotency: key("h1") });
        const other = await commitEvent(t.store, { to: [ep], idempotency: key("h2"), at: now + 1 });
        expect(other.outcome).toEqual({ kind: "conflict" });
        expect(await t.store.events.get(other.event.id)).toBeNull();
        expect(await t.store.deliveries.list({ limit: 10 })).toHaveLength(1);
        // The key still answers for the first request.
        const replay = await commitEvent(t.store, { to: [ep], idempotency: key("h1"), at: now + 2 });
        expect(replay.outcome).toEqual({ kind: "replayed", response: `{"id":"first"}` });
      });

      test("keys are per tenant: another tenant's same key is a new event", async () => {
        const acme = await createEndpoint(t.store, { tenant: "acme" });
        const globex = await createEndpoint(t.store, { tenant: "globex" });
        expect((await commitEvent(t.store, { to: [acme], idempotency: key("h1") })).outcome).toEqual({ kind: "created" });
        const theirs = await commitEvent(t.store, { to: [globex], idempotency: key("h2") });
        expect(theirs.outcome).toEqual({ kind: "created" });
        expect(await t.store.events.get(theirs.event.id)).not.toBeNull();
      });

      test("concurrent commits of one key make one event; the others replay its response", async () => {
        const ep = await createEndpoint(t.store);
        const plans = Array.from({ length: 6 }, () => planEvent({ to: [ep], idempotency: key("h1", `{"id":"same"}`) }));
        const outcomes = await Promise.all(plans.map((p) => t.store.events.commit({ items: [p.item], now })));
        const flat = outcomes.map((o) => o[0]);
        expect(flat.filter((o) => o?.kind === "created")).toHaveLength(1);
        expect(flat.filter((o) => o?.kind === "replayed")).toHaveLength(5);
        for (const o of flat) if (o?.kind === "replayed") expect(o.response).toBe(`{"id":"same"}`);
        const written = [];
        for (const p of plans) if (await t.store.events.get(p.event.id)) written.push(p.event.id);
        expect(written).toHaveLength(1);
        expect(await t.store.deliveries.list({ limit: 100 })).toHaveLength(1);
      });

      test("several items in one call answer in order, each as if committed one after another", async () => {
        const ep = await createEndpoint(t.store);
        await commitEvent(t.store, { to: [ep], idempotency: { key: "seen", requestHash: "h1", response: "R1" } });
        const items = [
          planEvent({ to: [ep], idempotency: { key: "fresh", requestHash: "hf", response: "RF" } }),
          planEvent({ to: [ep], idempotency: { key: "seen", requestHash: "other", response: "x" } }),
          planEvent({ to: [ep, ep] }),
          planEvent({ to: [ep], idempotency: { key: "seen", requestHash: "h1", response: "x" } }),
          planEvent({ to: [ep], idempotency: { key: "fresh", requestHash: "hf", response: "x" } }),
        ];
        const outcomes = await t.store.events.commit({ items: items.map((p) => p.item), now: now + 1 });
        expect(outcomes).toEqual([
          { kind: "created" },
          { kind: "conflict" },
          { kind: "created" },
          { kind: "replayed", response: "R1" },
          { kind: "replayed", response: "RF" },
        ]);
        const present = await Promise.all(items.map(async (p) => (await t.store.events.get(p.event.id)) !== null));
        expect(present).toEqual([true, false, true, false, false]);
        expect(await t.store.deliveries.forEvent(items[2]!.event.id)).toHaveLength(2);
      });
    });

    describe("deliveries.list", () => {
      test("newest first, paged with before, filtered by status, endpoint, tenant and event type", async () => {
        const a = await createEndpoint(t.store, { tenant: "acme" });
        const b = await createEndpoint(t.store, { tenant: "acme" });
        const g = await createEndpoint(t.store, { tenant: "globex" });
        const e1 = await commitEvent(t.store, { to: [a, b], type: "user.created" });
        const e2 = await commitEvent(t.store, { to: [{ endpoint: a, status: "failed" }], type: "invoice.paid", at: now + 1 });
        const e3 = await commitEvent(t.store, { to: [g], type: "user.created", at: now + 2 });
        const all = [...e1.deliveryIds, ...e2.deliveryIds, ...e3.deliveryIds].reverse();
        expect(ids(await t.store.deliveries.list({ limit: 10 }))).toEqual(all);
        const page1 = await t.store.deliveries.list({ limit: 2 });
        expect(ids(page1)).toEqual(all.slice(0, 2));
        expect(ids(await t.store.deliveries.list({ limit: 2, before: page1[1]!.id }))).toEqual(all.slice(2, 4));
        expect(ids(await t.store.deliveries.list({ limit: 10, status: "failed" }))).toEqual(e2.deliveryIds);
        expect(ids(await t.store.deliveries.list({ limit: 10, endpointId: a.id }))).toEqual([e2.deliveryIds[0]!, e1.deliveryIds[0]!]);
        expect(ids(await t.store.deliveries.list({ limit: 10, tenant: "globex" }))).toEqual(e3.deliveryIds);
        expect(ids(await t.store.deliveries.list({ limit: 10, eventType: "user.created", tenant: "acme" }))).toEqual(
          [...e1.deliveryIds].reverse(),
        );
        expect(ids(await t.store.deliveries.list({ limit: 10, status: "succeeded" }))).toEqual([]);
      });
    });
  });
