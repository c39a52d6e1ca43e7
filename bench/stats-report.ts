/**
 * How fast GET /v1/stats and the backlog are over a big database (not a
 * test: speed lives here). Writes, in a temp dir:
 *
 *   1. a database at schema version 4 (before stats) with 50 endpoints in 5
 *      tenants and 800k deliveries over the last 7 days, 1M attempts
 *      (a quarter of the deliveries were retried once), by INSERT … SELECT;
 *   2. upgrades it to the current schema: the stats migration backfills its
 *      rollups from those rows (timed);
 *   3. times report() for 1h / 24h / 7d, all endpoints, one tenant, one endpoint;
 *   4. adds 1M pending deliveries by bulk SQL (timed; not counted in the
 *      rollups, which the write paths keep) and times backlog() over the
 *      1.08M pending.
 *
 *   bun bench/stats-report.ts [--deliveries=800000]
 */
import { MIGRATIONS, migrate } from "../src/store/sqlite/migrate.ts";
import { openDatabase } from "../src/store/sqlite/open.ts";
import { createSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { StatsWindow } from "../src/domain/model.ts";
import { createTempDir } from "../test/helpers/temp-dir.ts";

const DAY = 86_400_000;
const N = Number(process.argv.find((a) => a.startsWith("--deliveries="))?.split("=")[1] ?? 800_000);
const PENDING = 1_000_000;
const ENDPOINTS = 50;
const NOW = Date.UTC(2026, 0, 15, 10, 31, 7, 123); // on no bucket boundary

const dir = createTempDir("hookgate-stats-bench-");
const opened = openDatabase(dir.join("data"));
const db = opened.db;

function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const out = fn();
  console.log(`${label}: ${(performance.now() - t0).toFixed(0)} ms`);
  return out;
}

/** The median of `runs` timed calls, after two untimed ones (the JIT's first compile is not what a running daemon sees). */
async function median(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  await fn();
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[runs >> 1]!;
}

try {
  migrate(db, NOW, MIGRATIONS.filter((m) => m.version < 5));
  timed(`seed v4: ${ENDPOINTS} endpoints, ${N} events and deliveries, ${N + N / 4} attempts over 7 days`, () =>
    db.transaction(() => {
      db.run(`INSERT INTO endpoints (id, tenant, url, event_types, headers, metadata, state, created_at, updated_at)
        WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${ENDPOINTS - 1})
        SELECT printf('ep_%03d', i), 'tenant' || (i % 5), 'https://hooks.example.com/' || i, '["*"]', '{}', '{}', 'enabled', 0, 0 FROM c`);
      const rows = `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${N - 1})
        SELECT i, ${NOW - 7 * DAY} + i * ${7 * DAY} / ${N} AS t, i % ${ENDPOINTS} AS ep,
          CASE WHEN i % 10 < 7 THEN 'succeeded' WHEN i % 10 < 9 THEN 'failed' ELSE 'pending' END AS st FROM c`;
      db.run(`INSERT INTO events (id, tenant, type, payload, occurred_at, is_test, created_at)
        SELECT printf('evt_%09d', i), 'tenant' || (ep % 5), 'order.paid', '{}', t, 0, t FROM (${rows})`);
      db.run(`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, attempt_count,
          next_attempt_at, is_test, created_at, updated_at)
        SELECT printf('dlv_%09d', i), printf('evt_%09d', i), 'tenant' || (ep % 5), 'order.paid', printf('ep_%03d', ep),
          'https://hooks.example.com/' || ep, st, 1 + (i % 4 = 0), CASE st WHEN 'pending' THEN t + 60000 END, 0, t, t
        FROM (${rows})`);
      // Durations spread from 5 ms to 2 s; the retried quarter's first attempt failed.
      db.run(`INSERT INTO attempts (id, delivery_id, endpoint_id, n, started_at, duration_ms, status_code, error, request_headers, is_test)
        SELECT printf('att_%09d_1', i), printf('dlv_%09d', i), printf('ep_%03d', ep), 1, t + 40, 5 + (i * 7919) % 2000,
          CASE WHEN i % 4 = 0 OR st <> 'succeeded' THEN 500 ELSE 200 END,
          CASE WHEN i % 4 = 0 OR st <> 'succeeded' THEN CASE i % 3 WHEN 0 THEN 'timeout' ELSE 'http_status' END END, '{}', 0
        FROM (${rows})`);
      db.run(`INSERT INTO attempts (id, delivery_id, endpoint_id, n, started_at, duration_ms, status_code, error, request_headers, is_test)
        SELECT printf('att_%09d_2', i), printf('dlv_%09d', i), printf('ep_%03d', ep), 2, t + 60040, 5 + (i * 104729) % 900,
          CASE st WHEN 'succeeded' THEN 200 ELSE 503 END, CASE st WHEN 'succeeded' THEN NULL ELSE 'http_status' END, '{}', 0
        FROM (${rows}) WHERE i % 4 = 0`);
    })(),
  );

  timed("migration 0005 with backfill (rollups from the stored rows)", () => migrate(db, NOW));
  const rollups = db.query("SELECT bucket_ms, count(*) AS n FROM stats_rollups GROUP BY bucket_ms").all();
  console.log("rollup rows by bucket size:", JSON.stringify(rollups));

  const store = createSqliteStore(db, () => {});
  const queries: { label: string; tenant?: string; endpointId?: string }[] = [
    { label: "all endpoints" },
    { label: "tenant2", tenant: "tenant2" },
    { label: "ep_007", endpointId: "ep_007" },
  ];
  for (const window of ["1h", "24h", "7d"] as StatsWindow[]) {
    for (const q of queries) {
      const ms = await median(() => store.stats.report({ window, now: NOW, tenant: q.tenant, endpointId: q.endpointId }));
      const r = await store.stats.report({ window, now: NOW, tenant: q.tenant, endpointId: q.endpointId });
      console.log(`report ${window.padEnd(3)} ${q.label.padEnd(13)}: ${ms.toFixed(1)} ms median (attempts ${r.totals.attempts}, rows ${r.endpoints.length}, p95 ${r.totals.attemptLatencyMs.p95} ms)`);
    }
  }

  timed(`add ${PENDING} pending deliveries (bulk SQL)`, () =>
    db.transaction(() => {
      db.run(`INSERT INTO events (id, tenant, type, payload, occurred_at, is_test, created_at)
        SELECT 'evt_bk', 'tenant0', 'order.paid', '{}', ${NOW}, 0, ${NOW}`);
      db.run(`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, next_attempt_at, is_test, created_at, updated_at)
        WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ${PENDING - 1})
        SELECT printf('dlv_bk_%09d', i), 'evt_bk', 'tenant0', 'order.paid', 'ep_000', 'https://hooks.example.com/0', 'pending',
          ${NOW} + i, 0, ${NOW - DAY} + i * 50, ${NOW} FROM c`);
    })(),
  );
  const backlogMs = await median(() => store.stats.backlog());
  const b = await store.stats.backlog();
  console.log(`backlog: ${backlogMs.toFixed(1)} ms median (pending ${b.pending}, oldest ${new Date(b.oldestPendingCreatedAt!).toISOString()})`);
  const after = await median(() => store.stats.report({ window: "24h", now: NOW + 60_000 }));
  console.log(`report 24h all endpoints with 1.2M pending: ${after.toFixed(1)} ms median`);
  await store.close();
} finally {
  opened.close();
  dir.cleanup();
}
