/**
 * Data dirs for the bench, written directly with bun:sqlite while no daemon
 * runs (openDatabase takes the data dir lock, so a running daemon makes this
 * fail instead of racing it): a migrated database with the bench endpoint,
 * optionally a far-future backlog, and batches of deliveries due now.
 *
 * Rows are generated inside SQLite by one INSERT … SELECT over a recursive
 * counter per table (joined to the target endpoints), in one transaction: a million events and deliveries
 * take seconds, where a JavaScript loop of single-row inserts takes far
 * longer. Rows are exactly what ingest writes (see test/helpers/backlog.ts
 * for the row-by-row version); ids keep the id shape (prefix, 10 characters
 * of time, 16 of "randomness", here a run tag and a zero-padded counter).
 */
import { migrate } from "../src/store/sqlite/migrate.ts";
import { closeSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { DATABASE_FILE, openDatabase } from "../src/store/sqlite/open.ts";
import { createIdGenerator } from "../src/domain/ids.ts";
import { generateSecret } from "../src/domain/secret.ts";
import { formatRfc3339 } from "../src/domain/rfc3339.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

/** Migrates a fresh data dir and creates the one bench endpoint (tenant "default", every event type); answers its id. */
export async function seedDataDir(dataDir: string, receiverUrl: string): Promise<string> {
  const now = Date.now();
  const opened = openDatabase(dataDir);
  try {
    migrate(opened.db, now);
    const store = createSqliteStore(opened.db, () => {});
    const endpoint = await store.endpoints.create({ endpoint: { id: createIdGenerator(() => now)("ep"), tenant: "default", url: receiverUrl, description: "bench receiver", eventTypes: ["*"], headers: {}, metadata: {}, secret: generateSecret(random) }, now });
    await store.close();
    return endpoint.id;
  } finally {
    opened.close();
  }
}

/** An endpoint that seeded deliveries go to. */
export interface Target {
  id: string;
  url: string;
  tenant: string;
}

/** fsync: the seeded pages are on disk before the daemon starts (see addDeliveries). */
function syncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Adds `count` events of type message.delivered, each with one pending
 * delivery due at `dueAt`, spread over `targets` in turn (event i goes to
 * target i mod n, in that target's tenant). Answers how long it took (ms).
 */
export function addDeliveries(dataDir: string, o: { targets: Target[]; count: number; dueAt: number }): number {
  const started = performance.now();
  const now = Date.now();
  const gen = createIdGenerator(() => now);
  // <time:10><tag:6><counter:10>: 16 characters after the time, like a real id; the tag keeps two seedings apart.
  const sample = gen("evt");
  const stem = sample.slice(4, 14) + sample.slice(14, 20);
  const opened = openDatabase(dataDir);
  try {
    const { db } = opened;
    const counter = `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $count)`;
    const evtId = `'evt_' || $stem || printf('%010d', i)`;
    // No daemon runs and a failed seeding is simply redone, so the rows go
    // straight into the database file, without a journal: written once
    // instead of into the WAL and then again by the checkpoint. The commit
    // still syncs (synchronous stays FULL): otherwise the page cache holds
    // the whole seeding unwritten, and the daemon's first checkpoint fsync
    // pays for it, a stall of most of a second that is the harness's, not
    // hookgate's.
    db.run("PRAGMA journal_mode = DELETE");
    db.run("PRAGMA journal_mode = OFF");
    db.run("PRAGMA cache_size = -262144");
    db.run("CREATE TEMP TABLE bench_targets (k INTEGER PRIMARY KEY, id TEXT NOT NULL, url TEXT NOT NULL, tenant TEXT NOT NULL)");
    const addTarget = db.query("INSERT INTO bench_targets (k, id, url, tenant) VALUES (?, ?, ?, ?)");
    o.targets.forEach((t, k) => addTarget.run(k, t.id, t.url, t.tenant));
    const target = `JOIN bench_targets t ON t.k = i % ${o.targets.length}`;
    db.transaction(() => {
      db.query(
        `${counter}
        INSERT INTO events (id, tenant, type, payload, occurred_at, callback_url, is_test, created_at)
        SELECT ${evtId}, t.tenant, 'message.delivered',
          '{"id":"' || ${evtId} || '","event":"message.delivered","timestamp":"' || $ts || '","data":{"message_id":"msg_' || i ||
          '","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}',
          $now, NULL, 0, $now
        FROM seq ${target}`,
      ).run({ $count: o.count, $stem: stem, $ts: formatRfc3339(now, "seconds"), $now: now });
      db.query(
        `${counter}
        INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, attempt_count, next_attempt_at, created_at, updated_at)
        SELECT 'dlv_' || $stem || printf('%010d', i), ${evtId}, t.tenant, 'message.delivered', t.id, t.url, 'pending', 0, $due, $now, $now
        FROM seq ${target}`,
      ).run({ $count: o.count, $stem: stem, $due: o.dueAt, $now: now });
    })();
    db.run("DROP TABLE bench_targets");
    db.run("PRAGMA journal_mode = WAL");
  } finally {
    opened.close();
  }
  syncFile(join(dataDir, DATABASE_FILE));
  return performance.now() - started;
}

if (import.meta.main) {
  // `bun bench/seed-backlog.ts DIR N`: build a data dir by hand, e.g. to time the seeding.
  const [dir, n] = process.argv.slice(2);
  if (!dir || !n) {
    process.stderr.write("usage: bun bench/seed-backlog.ts DATA_DIR COUNT\n");
    process.exit(64);
  }
  const endpointId = await seedDataDir(dir, "http://127.0.0.1:9/hook");
  const ms = addDeliveries(dir, { targets: [{ id: endpointId, url: "http://127.0.0.1:9/hook", tenant: "default" }], count: Number(n), dueAt: Date.now() + 365 * 86_400_000 });
  console.log(`${n} deliveries in ${Math.round(ms)} ms`);
}
