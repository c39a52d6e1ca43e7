/**
 * A delivery is claimed only once its ingest is on disk: the store is given
 * a WAL sync the test finishes by hand, and the dispatcher's claim must not
 * see a committed but not yet synced delivery.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { FakeClock } from "../../../src/clock.ts";
import { createIdGenerator } from "../../../src/domain/ids.ts";
import { generateSecret } from "../../../src/domain/secret.ts";
import { createIngest } from "../../../src/ingest/ingest.ts";
import { createSqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import type { EndpointCapacity, Store } from "../../../src/store/contract.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";
import { countingBytes } from "../../helpers/store.ts";

let fresh: FreshDb;
let store: Store;
const syncs: (() => void)[] = [];
const clock = new FakeClock();
const bytes = countingBytes();
const ids = createIdGenerator(() => clock.now(), bytes);
const anyRoom: EndpointCapacity = { maxPerEndpoint: 16, inFlight: new Map() };

beforeEach(() => {
  fresh = openFreshDb();
  syncs.length = 0;
  store = createSqliteStore(fresh.db, () => {}, {
    walSync: { sync: () => new Promise<void>((resolve) => syncs.push(resolve)), syncNow: () => {}, close: () => {} },
  });
});
afterEach(async () => {
  await store.close();
  fresh.cleanup();
});

async function settle(): Promise<void> {
  await Bun.sleep(5);
}

/** Endpoint writes are durable too: their sync is finished here, so the test's syncs are the ingest's. */
async function createEndpoint(endpoint: Parameters<Store["endpoints"]["create"]>[0]["endpoint"]): Promise<void> {
  const created = store.endpoints.create({ endpoint, now: clock.now() });
  await settle();
  syncs.shift()!();
  await created;
}

test("a delivery committed but not yet synced is not claimed; once its ingest is answered it is", async () => {
  const endpoint = { id: ids("ep"), tenant: "default", url: "https://receiver.example.com/h", description: "", eventTypes: ["*"], headers: {}, metadata: {}, secret: generateSecret(bytes) };
  await createEndpoint(endpoint);
  const ingest = createIngest({ store, clock, ids, wake: () => {} });
  const accepted = ingest.accept([{ type: "message.delivered", tenant: "default", data: { n: 1 } }]);
  await settle();
  expect(syncs.length).toBe(1);
  // Committed: another connection sees the row, but the claim must not take it.
  const row = fresh.db.query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").get() as { n: number };
  expect(row.n).toBe(1);
  expect((await store.deliveries.claimDue({ now: clock.now(), limit: 10, leaseMs: 60_000, capacity: anyRoom, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` })).claimed).toEqual([]);
  syncs[0]!();
  const [result] = await accepted;
  expect(result!.kind).toBe("accepted");
  const { claimed } = await store.deliveries.claimDue({ now: clock.now(), limit: 10, leaseMs: 60_000, capacity: anyRoom, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` });
  expect(claimed.map((c) => c.delivery.endpointId)).toEqual([endpoint.id]);
});

test("deliveries already in the database when the store opens are claimable at once", async () => {
  const endpoint = { id: ids("ep"), tenant: "default", url: "https://receiver.example.com/h", description: "", eventTypes: ["*"], headers: {}, metadata: {}, secret: generateSecret(bytes) };
  await createEndpoint(endpoint);
  const ingest = createIngest({ store, clock, ids, wake: () => {} });
  const accepted = ingest.accept([{ type: "message.delivered", tenant: "default", data: { n: 1 } }]);
  await settle();
  // The store closes, and its sync finishes, then a new store opens over the
  // same file, as after a restart.
  await store.close();
  syncs[0]!();
  expect((await accepted)[0]!.kind).toBe("accepted");
  store = createSqliteStore(fresh.db, () => {}, { walSync: { sync: async () => {}, syncNow: () => {}, close: () => {} } });
  const { claimed } = await store.deliveries.claimDue({ now: clock.now(), limit: 10, leaseMs: 60_000, capacity: anyRoom, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` });
  expect(claimed.length).toBe(1);
});
