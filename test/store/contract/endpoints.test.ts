/** Contract: endpoints — create, get, list, update, setState, remove, and forTenant seeing every write. */
import { describe, expect, test } from "bun:test";
import { backends } from "./backends.ts";
import { failOnce, failure, record, success } from "./attempt-records.ts";
import { claimOne, commitEvent, commitOne, createEndpoint, endpointInput, HOUR, mustGetDelivery, mustGetEndpoint, now, useStore } from "./harness.ts";

for (const backend of backends)
  describe(backend.name, () => {
    const t = useStore(backend);

    describe("endpoints.create and get", () => {
      test("create answers the endpoint enabled and healthy, with the given fields, created and updated at now", async () => {
        const input = endpointInput({
          tenant: "globex",
          url: "https://hooks.globex.example/in",
          description: "billing",
          eventTypes: ["invoice.*", "user.created"],
          headers: { "x-team": "billing" },
          metadata: { owner: "ops", tier: 2 },
        });
        const created = await t.store.endpoints.create({ endpoint: input, now });
        expect(created).toEqual({
          id: input.id,
          tenant: "globex",
          url: "https://hooks.globex.example/in",
          description: "billing",
          eventTypes: ["invoice.*", "user.created"],
          headers: { "x-team": "billing" },
          metadata: { owner: "ops", tier: 2 },
          state: "enabled",
          disabledReason: null,
          failingSince: null,
          lastSuccessAt: null,
          consecutiveFailures: 0,
          createdAt: now,
          updatedAt: now,
        });
        expect(await t.store.endpoints.get(input.id)).toEqual(created);
      });

      test("get answers null for an id that was never created", async () => {
        expect(await t.store.endpoints.get("ep_00000000000000000000000000")).toBeNull();
      });
    });

    describe("endpoints.list", () => {
      test("lists newest first and pages with `before` (the last id of the previous page)", async () => {
        const made = [];
        for (let i = 0; i < 5; i++) made.push(await createEndpoint(t.store, {}, now + i));
        const newestFirst = made.map((e) => e.id).reverse();
        const first = await t.store.endpoints.list({ limit: 2 });
        expect(first.map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
        const second = await t.store.endpoints.list({ limit: 2, before: first[1]!.id });
        expect(second.map((e) => e.id)).toEqual(newestFirst.slice(2, 4));
        const third = await t.store.endpoints.list({ limit: 2, before: second[1]!.id });
        expect(third.map((e) => e.id)).toEqual(newestFirst.slice(4));
        expect(await t.store.endpoints.list({ limit: 2, before: third[0]!.id })).toEqual([]);
      });

      test("the tenant filter lists only that tenant's endpoints, paging within them", async () => {
        const a1 = await createEndpoint(t.store, { tenant: "acme" }, now);
        await createEndpoint(t.store, { tenant: "globex" }, now + 1);
        const a2 = await createEndpoint(t.store, { tenant: "acme" }, now + 2);
        await createEndpoint(t.store, { tenant: "globex" }, now + 3);
        const acme = await t.store.endpoints.list({ limit: 10, tenant: "acme" });
        expect(acme.map((e) => e.id)).toEqual([a2.id, a1.id]);
        const page = await t.store.endpoints.list({ limit: 10, tenant: "acme", before: a2.id });
        expect(page.map((e) => e.id)).toEqual([a1.id]);
        expect(await t.store.endpoints.list({ limit: 10, tenant: "initech" })).toEqual([]);
        expect(await t.store.endpoints.list({ limit: 10 })).toHaveLength(4);
      });
    });

    describe("endpoints.update", () => {
      test("applies only the given fields and moves updatedAt", async () => {
        const ep = await createEndpoint(t.store, { description: "old", headers: { a: "1" } });
        const updated = await t.store.endpoints.update({
          id: ep.id,
          patch: { url: "https://new.example.com/h", eventTypes: ["order.*"], metadata: { k: "v" } },
          now: now + HOUR,
        });
        expect(updated).toEqual({
          ...ep,
          url: "https://new.example.com/h",
          eventTypes: ["order.*"],
          metadata: { k: "v" },
          updatedAt: now + HOUR,
        });
        expect(await t.store.endpoints.get(ep.id)).toEqual(updated);
      });

      test("answers null for a missing endpoint", async () => {
        expect(await t.store.endpoints.update({ id: "ep_missing", patch: { description: "x" }, now })).toBeNull();
      });
    });

    describe("endpoints.setState", () => {
      test("disabling records the reason; enabling clears it", async () => {
        const ep = await createEndpoint(t.store);
        const off = await t.store.endpoints.setState({ id: ep.id, state: { enabled: false, reason: "manual" }, now: now + 1 });
        expect(off).toMatchObject({ state: "disabled", disabledReason: "manual", updatedAt: now + 1 });
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ state: "disabled", disabledReason: "manual" });
        const on = await t.store.endpoints.setState({ id: ep.id, state: { enabled: true }, now: now + 2 });
        expect(on).toMatchObject({ state: "enabled", disabledReason: null, updatedAt: now + 2 });
      });

      test("enabling clears the failure streak", async () => {
        const ep = await createEndpoint(t.store);
        await failOnce(t.store, ep, now + 1000);
        await failOnce(t.store, ep, now + 2000);
        const failing = await mustGetEndpoint(t.store, ep.id);
        expect(failing.consecutiveFailures).toBe(2);
        expect(failing.failingSince).not.toBeNull();
        await t.store.endpoints.setState({ id: ep.id, state: { enabled: false, reason: "auto_failing" }, now: now + 3000 });
        const on = await t.store.endpoints.setState({ id: ep.id, state: { enabled: true }, now: now + 4000 });
        expect(on).toMatchObject({ state: "enabled", disabledReason: null, consecutiveFailures: 0, failingSince: null });
        expect(await mustGetEndpoint(t.store, ep.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null });
      });

      test("answers null for a missing endpoint", async () => {
        expect(await t.store.endpoints.setState({ id: "ep_missing", state: { enabled: true }, now })).toBeNull();
      });
    });

    describe("endpoints.remove", () => {
      test("ends the endpoint's pending deliveries failed (endpoint_deleted) and answers how many", async () => {
        const ep = await createEndpoint(t.store);
        const other = await createEndpoint(t.store);
        const done = await commitOne(t.store, ep, { at: now });
        await record(t.store, success(await claimOne(t.store, done, { at: now })));
        // Two pending deliveries of the endpoint, one of another endpoint.
        const c = await commitEvent(t.store, { to: [ep, ep, other], at: now + 1 });
        const removed = await t.store.endpoints.remove({ id: ep.id, now: now + HOUR });
        expect(removed).toEqual({ failedDeliveries: 2 });
        for (const id of c.deliveryIds.slice(0, 2)) {
          expect(await mustGetDelivery(t.store, id)).toMatchObject({ status: "failed", lastError: "endpoint_deleted", lease: null });
        }
        expect(await mustGetDelivery(t.store, c.deliveryIds[2]!)).toMatchObject({ status: "pending" });
        expect(await mustGetDelivery(t.store, done)).toMatchObject({ status: "succeeded" });
        expect(await t.store.endpoints.get(ep.id)).toBeNull();
        expect(await t.store.endpoints.activeSecrets({ id: ep.id, now })).toEqual([]);
      });

      test("answers null for a missing endpoint, also when removed twice", async () => {
        const ep = await createEndpoint(t.store);
        expect(await t.store.endpoints.remove({ id: ep.id, now })).toEqual({ failedDeliveries: 0 });
        expect(await t.store.endpoints.remove({ id: ep.id, now })).toBeNull();
        expect(await t.store.endpoints.remove({ id: "ep_missing", now })).toBeNull();
      });
    });

    describe("endpoints.forTenant", () => {
      test("every endpoint of the tenant, enabled or not, and no other tenant's", async () => {
        const a = await createEndpoint(t.store, { tenant: "acme" });
        const b = await createEndpoint(t.store, { tenant: "acme" });
        await createEndpoint(t.store, { tenant: "globex" });
        await t.store.endpoints.setState({ id: b.id, state: { enabled: false, reason: "manual" }, now });
        const list = await t.store.endpoints.forTenant("acme");
        expect(list.map((e) => e.id).sort()).toEqual([a.id, b.id].sort());
        expect(list.find((e) => e.id === b.id)?.state).toBe("disabled");
        expect(await t.store.endpoints.forTenant("initech")).toEqual([]);
      });

      test("reflects create, update, setState and remove as soon as each is answered", async () => {
        const state = async () => (await t.store.endpoints.forTenant("acme")).map((e) => ({ id: e.id, url: e.url, state: e.state }));
        expect(await state()).toEqual([]);
        const ep = await createEndpoint(t.store, { url: "https://one.example.com/" });
        expect(await state()).toEqual([{ id: ep.id, url: "https://one.example.com/", state: "enabled" }]);
        await t.store.endpoints.update({ id: ep.id, patch: { url: "https://two.example.com/" }, now: now + 1 });
        expect(await state()).toEqual([{ id: ep.id, url: "https://two.example.com/", state: "enabled" }]);
        await t.store.endpoints.setState({ id: ep.id, state: { enabled: false, reason: "manual" }, now: now + 2 });
        expect(await state()).toEqual([{ id: ep.id, url: "https://two.example.com/", state: "disabled" }]);
        await t.store.endpoints.setState({ id: ep.id, state: { enabled: true }, now: now + 3 });
        expect(await state()).toEqual([{ id: ep.id, url: "https://two.example.com/", state: "enabled" }]);
        await t.store.endpoints.remove({ id: ep.id, now: now + 4 });
        expect(await state()).toEqual([]);
      });

      test("reflects a disable made by a recorded attempt (gone) and by autoDisable", async () => {
        const gone = await createEndpoint(t.store);
        const failing = await createEndpoint(t.store);
        const stateOf = async (id: string) => (await t.store.endpoints.forTenant("acme")).find((e) => e.id === id)?.state;
        expect(await stateOf(gone.id)).toBe("enabled");
        const id = await commitOne(t.store, gone, { at: now });
        const d = await claimOne(t.store, id, { at: now });
        await record(t.store, failure(d, { statusCode: 410, next: { status: "failed" }, health: { success: false, disable: "gone", disableIfFailingBefore: null } }));
        expect(await stateOf(gone.id)).toBe("disabled");

        await failOnce(t.store, failing, now + 1000);
        expect(await stateOf(failing.id)).toBe("enabled");
        await t.store.maintenance.autoDisable({ failingBefore: now + 2000, now: now + HOUR });
        expect(await stateOf(failing.id)).toBe("disabled");
      });
    });
  });
