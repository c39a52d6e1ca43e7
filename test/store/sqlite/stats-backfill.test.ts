/**
 * Upgrading a database that already holds traffic: migration 0005 fills the
 * rollups from the stored rows, and the reports match what the write paths
 * would have counted had the rollups existed all along.
 */
import { afterEach, expect, test } from "bun:test";
import { MIGRATIONS, migrate } from "../../../src/store/sqlite/migrate.ts";
import { openDatabase, type OpenedDatabase } from "../../../src/store/sqlite/open.ts";
import { createSqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../../src/store/contract.ts";
import { trafficWriter } from "../../helpers/stats-data.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";
import { createTempDir, type TempDir } from "../../helpers/temp-dir.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0) + 4321;
const STATS_VERSION = 5;

let live: FreshStore;
let dir: TempDir;
let upgraded: OpenedDatabase;
let store: Store;
afterEach(async () => {
  await store?.close();
  dir?.cleanup();
  live?.cleanup();
});

const reports = (st: Store) =>
  Promise.all(
    (["1h", "24h", "7d"] as const).flatMap((window) => [
      st.stats.report({ window, now: NOW }),
      st.stats.report({ window, now: NOW, tenant: "acme" }),
    ]),
  );

test("the migration's backfill gives the same reports as the live rollups for the same data", async () => {
  live = openFreshStore();
  const w = trafficWriter(live.store, live.ids);
  const acme = await live.store.endpoints.create({ endpoint: live.newEndpoint({ tenant: "acme" }), now: NOW - 30 * DAY });
  const globex = await live.store.endpoints.create({ endpoint: live.newEndpoint({ tenant: "globex" }), now: NOW - 30 * DAY });
  const off = await live.store.endpoints.create({ endpoint: live.newEndpoint({ tenant: "acme" }), now: NOW - 30 * DAY });
  await live.store.endpoints.setState({ id: off.id, state: { enabled: false, reason: "manual" }, now: NOW - 30 * DAY });
  const disabled = (await live.store.endpoints.get(off.id))!;
  for (let i = 0; i < 150; i++) {
    const at = NOW - 8 * DAY + Math.floor((i * 8 * DAY) / 150) + (i * 7919) % MINUTE;
    const targets = i % 5 === 0 ? [acme, null] : i % 7 === 0 ? [disabled] : [i % 2 ? acme : globex];
    const deliveries = await w.event(targets, at, { isTest: i % 11 === 0 });
    for (const d of deliveries) {
      if (d.status !== "pending" || i % 13 === 0) continue;
      const retried = i % 3 === 0 ? await w.attempt(d, at + 50, 20 + i, { error: i % 2 ? "timeout" : "http_status" }) : d;
      await w.attempt(retried, at + (i % 9) * MINUTE + 300, 5 + i * 13, i % 4 === 0 ? { error: "http_status", final: true } : {});
    }
  }
  const expected = await reports(live.store);
  expect(expected[4]!.totals.attempts).toBeGreaterThan(100); // the 7d report sees most of it

  // The same rows in a database as it was before stats existed, then upgraded.
  dir = createTempDir("hookgate-backfill-");
  upgraded = openDatabase(dir.join("data"));
  migrate(upgraded.db, NOW, MIGRATIONS.filter((m) => m.version < STATS_VERSION));
  upgraded.db.run("ATTACH DATABASE ? AS live", [live.db.filename]);
  for (const table of ["endpoints", "events", "deliveries", "attempts"]) {
    // The columns the older schema has (later migrations add some, e.g. lease_owner).
    const columns = (upgraded.db.query(`PRAGMA main.table_info(${table})`).all() as { name: string }[]).map((c) => c.name).join(", ");
    upgraded.db.run(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM live.${table}`);
  }
  upgraded.db.run("DETACH DATABASE live");
  expect(migrate(upgraded.db, NOW)).toEqual(MIGRATIONS.filter((m) => m.version >= STATS_VERSION).map((m) => m.version));
  store = createSqliteStore(upgraded.db, upgraded.close);

  expect(await reports(store)).toEqual(expected);
  // The live store's minute rows give the same once folded.
  await live.store.housekeeping.foldStats();
  expect(await reports(live.store)).toEqual(expected);
}, 60_000);
