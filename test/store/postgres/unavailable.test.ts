/**
 * PostgreSQL only: a database that goes away. While the server is down
 * every write (and checkWritable) rejects with StoreUnavailableError, with
 * the driver's error as its cause; once it is back the same store works
 * again, without being reopened. Stops the process's one test server, so
 * it is brought back before the test ends, whatever happens.
 */
import { SQL } from "bun";
import { afterEach, expect, test } from "bun:test";
import { LOCKS } from "../../../src/store/postgres/advisory-locks.ts";
import { StoreUnavailableError } from "../../../src/store/errors.ts";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { freshPostgresDatabase, postgresServer, type TestDatabase } from "../../helpers/postgres.ts";
import { capacity, createEndpoint, endpointInput, newAttemptId, now, planEvent } from "../contract/harness.ts";

let database: TestDatabase | null = null;
let store: PostgresStore | null = null;

afterEach(async () => {
  await store?.close();
  await database?.drop();
  store = null;
  database = null;
});

async function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "resolved",
    (err: unknown) => (err instanceof StoreUnavailableError && err.cause !== undefined ? "StoreUnavailableError" : `rejected: ${String(err)}`),
  );
}

test("a stopped server makes writes reject with StoreUnavailableError; restarted, the same store works again", async () => {
  database = await freshPostgresDatabase();
  store = await openPostgresStore({ url: database.url, poolSize: 4, now });
  const s = store;
  const ep = await createEndpoint(s);
  const server = await postgresServer();
  await server.stop();
  try {
    const writes: Record<string, () => Promise<unknown>> = {
      "endpoints.create": () => s.endpoints.create({ endpoint: endpointInput(), now }),
      "events.commit": () => s.events.commit({ items: [planEvent({ to: [ep] }).item], now }),
      "deliveries.claimDue": () => s.deliveries.claimDue({ now, limit: 1, leaseMs: 1000, owner: "n", capacity: capacity(), newAttemptId }),
      "maintenance.autoDisable": () => s.maintenance.autoDisable({ failingBefore: now, now }),
      "endpoints.get": () => s.endpoints.get(ep.id),
      checkWritable: () => s.checkWritable(),
    };
    const outcomes: Record<string, string> = {};
    for (const [name, write] of Object.entries(writes)) outcomes[name] = await outcome(write());
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(writes).map((name) => [name, "StoreUnavailableError"])));
  } finally {
    await server.start();
  }
  await s.checkWritable();
  const planned = planEvent({ to: [ep] });
  expect(await s.events.commit({ items: [planned.item], now })).toEqual([{ kind: "created" }]);
  expect(await s.events.get(planned.event.id)).not.toBeNull();
}, 30_000);

test("a connection lost in the middle of a call rejects it with StoreUnavailableError; the next call works", async () => {
  database = await freshPostgresDatabase();
  store = await openPostgresStore({ url: database.url, poolSize: 4, now });
  const s = store;
  const other = new SQL(database.url, { max: 1 });
  try {
    // Another process holds the claim lock, so this claim waits inside its transaction...
    const holder = await other.reserve();
    await holder`SELECT pg_advisory_lock(${LOCKS.namespace}, ${LOCKS.claim})`;
    const waiting = outcome(s.deliveries.claimDue({ now, limit: 1, leaseMs: 1000, owner: "n", capacity: capacity(), newAttemptId }));
    // Until the claim is seen waiting for that lock (a fixed sleep raced it on a loaded machine).
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const [row] = (await holder`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = ${database.name} AND wait_event_type = 'Lock' AND wait_event = 'advisory'`) as { n: number }[];
      if (row!.n > 0) break;
      await Bun.sleep(20);
    }
    // ... when its connection is cut (an administrator, a failover).
    const [self] = (await holder`SELECT pg_backend_pid() AS pid`) as { pid: number }[];
    await holder`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${database.name} AND pid <> ${self!.pid}`;
    expect(await waiting).toBe("StoreUnavailableError");
    await holder`SELECT pg_advisory_unlock(${LOCKS.namespace}, ${LOCKS.claim})`;
    holder.release();
    expect(await s.deliveries.claimDue({ now, limit: 1, leaseMs: 1000, owner: "n", capacity: capacity(), newAttemptId })).toEqual({
      claimed: [],
      interrupted: [],
    });
  } finally {
    await other.close();
  }
});
