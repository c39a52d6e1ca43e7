/**
 * PostgreSQL only: what holds for several hookgate processes on one
 * database, shown with two stores (two pools, so two sets of connections)
 * on one fresh database.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { freshPostgresDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { record, success } from "../contract/attempt-records.ts";
import { capacity, claim, commitEvent, createEndpoint, ids, LEASE_MS, now, planEvent } from "../contract/harness.ts";

let database: TestDatabase;
let a: PostgresStore;
let b: PostgresStore;

beforeEach(async () => {
  database = await freshPostgresDatabase();
  a = await openPostgresStore({ url: database.url, poolSize: 8, now });
  b = await openPostgresStore({ url: database.url, poolSize: 8, now });
});

afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
  await database.drop();
});

describe("endpoints across processes", () => {
  test("forTenant on one store sees every endpoint write of the other as soon as it was answered", async () => {
    const state = async () => (await b.endpoints.forTenant("acme")).map((e) => [e.id, e.state]);
    expect(await state()).toEqual([]);
    const ep = await createEndpoint(a);
    expect(await state()).toEqual([[ep.id, "enabled"]]);
    await a.endpoints.setState({ id: ep.id, state: { enabled: false, reason: "manual" }, now: now + 1 });
    expect(await state()).toEqual([[ep.id, "disabled"]]);
    await a.endpoints.remove({ id: ep.id, now: now + 2 });
    expect(await state()).toEqual([]);
  });
});

describe("idempotency across processes", () => {
  test("concurrent commits of one key from two stores make one event; every other commit replays its answer", async () => {
    const ep = await createEndpoint(a);
    const key = { key: "order-7", requestHash: "h", response: `{"id":"first"}` };
    const plans = Array.from({ length: 12 }, () => planEvent({ to: [ep], idempotency: key }));
    const outcomes = await Promise.all(plans.map((p, i) => (i % 2 === 0 ? a : b).events.commit({ items: [p.item], now })));
    const kinds = outcomes.map((o) => o[0]!.kind);
    expect(kinds.filter((k) => k === "created")).toHaveLength(1);
    expect(kinds.filter((k) => k === "replayed")).toHaveLength(11);
    const [count] = (await a.sql`SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries`) as {
      events: string;
      deliveries: string;
    }[];
    expect({ events: Number(count!.events), deliveries: Number(count!.deliveries) }).toEqual({ events: 1, deliveries: 1 });
  });

  test("the same key with another request, from the other store, is a conflict", async () => {
    const ep = await createEndpoint(a);
    await commitEvent(a, { to: [ep], idempotency: { key: "k", requestHash: "h1", response: "R" } });
    const other = await commitEvent(b, { to: [ep], idempotency: { key: "k", requestHash: "h2", response: "x" } });
    expect(other.outcome).toEqual({ kind: "conflict" });
  });
});

describe("claims across processes", () => {
  test("two stores claiming at once never claim one delivery twice and together keep maxPerEndpoint", async () => {
    const eps = [await createEndpoint(a), await createEndpoint(a), await createEndpoint(a)];
    // 3 endpoints × 20 deliveries, a limit of 4 in flight per endpoint.
    const committed = [];
    for (let i = 0; i < 20; i++) committed.push(...(await commitEvent(a, { to: eps, at: now - 1000 + i })).deliveryIds);
    const rounds = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claim(i % 2 === 0 ? a : b, { at: now, owner: i % 2 === 0 ? "node-a" : "node-b", limit: 5, capacity: capacity(4) })),
    );
    const claimed = rounds.flat();
    const claimedIds = ids(claimed);
    expect(new Set(claimedIds).size).toBe(claimedIds.length);
    const perEndpoint = Map.groupBy(claimed, (c) => c.delivery.endpointId);
    for (const ep of eps) expect(perEndpoint.get(ep.id)?.length).toBe(4);
    // What the database holds agrees: 12 live leases, 4 per endpoint, each claimed once.
    const leases = (await a.sql`SELECT endpoint_id, count(*) AS n FROM deliveries WHERE lease_until > ${now} GROUP BY endpoint_id ORDER BY endpoint_id`) as {
      endpoint_id: string;
      n: string;
    }[];
    expect(leases.map((r) => [r.endpoint_id, Number(r.n)])).toEqual(eps.map((e) => [e.id, 4]).sort());
  });

  test("another process's live leases count against an endpoint's room, even with nothing in flight here", async () => {
    const ep = await createEndpoint(a);
    const c = await commitEvent(a, { to: [ep, ep, ep, ep] });
    expect(ids(await claim(a, { at: now, owner: "node-a", capacity: capacity(3) }))).toEqual(c.deliveryIds.slice(0, 3));
    expect(await claim(b, { at: now + 1, owner: "node-b", capacity: capacity(3) })).toEqual([]);
    // One finished on node-a: node-b may take one.
    const [first] = await a.deliveries.forEvent(c.event.id);
    await record(a, success(first!), now + 2);
    expect(ids(await claim(b, { at: now + 3, owner: "node-b", capacity: capacity(3) }))).toEqual([c.deliveryIds[3]!]);
  });

  test("a lease of a process that died runs out and the other process takes it, recording the cut attempt", async () => {
    const ep = await createEndpoint(a);
    const c = await commitEvent(a, { to: [ep] });
    await claim(a, { at: now, owner: "node-a" });
    const taken = await b.deliveries.claimDue({
      now: now + LEASE_MS,
      limit: 10,
      leaseMs: LEASE_MS,
      owner: "node-b",
      capacity: capacity(1),
      newAttemptId: () => `att_${crypto.randomUUID()}`,
    });
    expect(taken.interrupted.map((x) => x.deliveryId)).toEqual(c.deliveryIds);
    expect(ids(taken.claimed)).toEqual(c.deliveryIds);
    expect(taken.claimed[0]?.delivery.lease?.owner).toBe("node-b");
  });
});
