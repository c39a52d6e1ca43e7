/**
 * `bun run bench --store postgres`: hookgate processes (the real
 * executable, the bench config plus driver = "postgres") on one PostgreSQL
 * server that the bench starts itself (bench/pg-server.ts), each run on a
 * fresh database:
 *
 * - ingest: wrk against one process, as the SQLite ingest run (and the
 *   same bare-server ceiling);
 * - delivery: `drainCount` due deliveries for one process;
 * - end-to-end: the paced load against process 1 of 2, both delivering;
 * - wide and slow on 1, 2 and 4 processes.
 *
 * Seeded runs (delivery, wide) start their processes first, idle with the
 * endpoints created through the API, then write the events and deliveries
 * in one transaction with the NOTIFY that wakes every process (as an
 * ingest's commit does), and are timed from just before that COMMIT to the
 * last arrival: no start-up in the figure. CPU is the processes'
 * utime + stime from /proc/<pid>/stat, read just before the seeding and
 * after the last delivery is recorded.
 */
import { SQL } from "bun";
import { readFileSync } from "node:fs";
import { spawnBunScript, type BenchContext } from "./context.ts";
import { BENCH_CONCURRENCY, startBenchDaemon, type BenchDaemon, type PostgresStorage } from "./daemon.ts";
import { eventJson, runIngestCeiling } from "./phases/ingest.ts";
import type { BenchPostgres } from "./pg-server.ts";
import { int, ms, pct, type Row } from "./report.ts";
import { nowMs, type Summary } from "./stats.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { createIdGenerator } from "../src/domain/ids.ts";
import { formatRfc3339 } from "../src/domain/rfc3339.ts";

const CALLBACKS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Connections per process (hookgate's default). */
export const PG_POOL_SIZE = 16;
export const WIDE_PROCESSES = [1, 2, 4] as const;
export const PG_TARGETS = { e2eP50Ms: 5, wideScaling: 0.8 };
/**
 * Smaller counts than the SQLite runs': at the few hundred deliveries a
 * second measured here, 100,000 due deliveries alone would take minutes.
 */
const PG_MAX = { drainCount: 15_000, wideEvents: 10_000 };
/** The end-to-end rate beside the bench's own (over what one process ingests here, so its queue grows). */
const PG_E2E_LOW_RATE = 100;
const PG_E2E_HIGH_SECONDS = 3;

export interface PgSeededRun {
  processes: number;
  count: number;
  seconds: number;
  perSecond: number;
  cpuSeconds: number;
  cpuSecondsPer1000: number;
  duplicates: number;
  failedAttempts: number;
  connections: number;
  maxInFlight?: number;
  /** processes × slots ÷ delay (wide); 0 for the drain. */
  boundPerSecond: number;
  seedMs: number;
}

export interface PgResults {
  postgresVersion: string;
  synchronousCommit: "on" | "off";
  ingestCeiling: WrkResult;
  ingest: { connections: number; wrk: WrkResult; settleMs: number; delivered: number; duplicates: number; failedAttempts: number; cpuSecondsPer1000: number };
  drain: PgSeededRun;
  e2e: Array<{ processes: number; seconds: number; sent: number; rate: number; latencyMs: Summary; ingestMs: Summary; worstLagMs: number; duplicates: number }>;
  wide: PgSeededRun[];
}

/** utime + stime of a process, seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ = 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const cpuOf = (nodes: BenchDaemon[]) => nodes.reduce((sum, d) => sum + cpuSeconds(d.proc.pid), 0);

interface Cluster {
  url: string;
  sql: SQL;
  nodes: BenchDaemon[];
  stop(): Promise<void>;
}

/** A fresh database and `n` processes on it (the first alone: it migrates). */
async function startCluster(ctx: BenchContext, pg: BenchPostgres, label: string, n: number): Promise<Cluster> {
  const url = await pg.freshDatabase(label);
  const storage: PostgresStorage = { url, poolSize: PG_POOL_SIZE, callbacksSecret: CALLBACKS_SECRET };
  const start = (i: number) =>
    startBenchDaemon({ binary: ctx.binary, dataDir: ctx.dataDir(`${label}-${i}`), token: ctx.token, workDir: ctx.workDir, name: `${label}-${i}`, postgres: storage });
  const nodes: BenchDaemon[] = [];
  const sql = new SQL(url, { max: 2 });
  const cluster: Cluster = {
    url,
    sql,
    nodes,
    async stop() {
      for (let i = 0; i < nodes.length; i++) await ctx.stopDaemon(nodes[i]!, `${label}-${i}`);
      await sql.close({ timeout: 0 });
    },
  };
  try {
    nodes.push(await start(0));
    nodes.push(...(await Promise.all(Array.from({ length: n - 1 }, (_, i) => start(i + 1)))));
  } catch (err) {
    await cluster.stop().catch(() => {});
    throw err;
  }
  return cluster;
}

async function nearPending(sql: SQL): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending' AND next_attempt_at < ${Date.now() + 86_400_000}::bigint`;
  return row.n;
}

async function failedAttempts(sql: SQL): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS n FROM attempts WHERE error IS NOT NULL OR status_code NOT BETWEEN 200 AND 299`;
  return row.n;
}

async function waitNoPending(sql: SQL, label: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await nearPending(sql)) > 0) {
    if (performance.now() > deadline) throw new Error(`${label}: deliveries still pending after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}

/**
 * `count` events of type message.delivered with one delivery each, due now,
 * spread over the database's endpoints in turn (each in its endpoint's
 * tenant), and the NOTIFY, in one transaction. Answers nowMs() just before
 * the COMMIT and how long the seeding took.
 */
async function seedDue(sql: SQL, count: number): Promise<{ t0: number; seedMs: number }> {
  const started = performance.now();
  const now = Date.now();
  const sample = createIdGenerator(() => now)("evt");
  const stem = sample.slice(4, 20);
  const ts = formatRfc3339(now, "seconds");
  let t0 = 0;
  await sql.begin(async (tx) => {
    await tx`CREATE TEMP TABLE bench_targets ON COMMIT DROP AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id, url, tenant FROM endpoints`;
    const [{ n }] = await tx`SELECT count(*)::int AS n FROM bench_targets`;
    await tx`INSERT INTO events (id, tenant, type, payload, occurred_at, callback_url, is_test, created_at)
      SELECT 'evt_' || ${stem}::text || lpad(i::text, 10, '0'), t.tenant, 'message.delivered',
        '{"id":"evt_' || ${stem}::text || lpad(i::text, 10, '0') || '","event":"message.delivered","timestamp":"' || ${ts}::text ||
        '","data":{"message_id":"msg_' || i || '","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}',
        ${now}::bigint, NULL, false, ${now}::bigint
      FROM generate_series(0, ${count - 1}::int) AS i JOIN bench_targets t ON t.k = i % ${n}::int`;
    await tx`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, attempt_count, next_attempt_at, created_at, updated_at)
      SELECT 'dlv_' || ${stem}::text || lpad(i::text, 10, '0'), 'evt_' || ${stem}::text || lpad(i::text, 10, '0'), t.tenant, 'message.delivered',
        t.id, t.url, 'pending', 0, ${now}::bigint, ${now}::bigint, ${now}::bigint
      FROM generate_series(0, ${count - 1}::int) AS i JOIN bench_targets t ON t.k = i % ${n}::int`;
    await tx`SELECT pg_notify('hookgate_due', '')`;
    t0 = nowMs();
  });
  return { t0, seedMs: performance.now() - started };
}

async function runIngest(ctx: BenchContext, pg: BenchPostgres): Promise<PgResults["ingest"]> {
  const c = await startCluster(ctx, pg, "pg-ingest", 1);
  try {
    const d = c.nodes[0]!;
    await d.api("POST", "/v1/endpoints", { tenant: "default", url: ctx.receiver.hookUrl }, 201);
    await ctx.receiver.reset();
    ctx.progress(`postgres ingest: wrk ${ctx.sizes.ingestConnections} connections, ${ctx.sizes.ingestSeconds} s, 1 process`);
    const cpu0 = cpuOf(c.nodes);
    const wrk = await runWrk({
      url: `${d.url}/v1/events`,
      body: eventJson(1),
      token: ctx.token,
      connections: ctx.sizes.ingestConnections,
      threads: 1,
      durationS: ctx.sizes.ingestSeconds,
      workDir: ctx.workDir,
    });
    const ended = performance.now();
    await waitNoPending(c.sql, "postgres ingest", 180_000);
    const settleMs = performance.now() - ended;
    const cpu = cpuOf(c.nodes) - cpu0;
    const got = await ctx.receiver.stats();
    return { connections: ctx.sizes.ingestConnections, wrk, settleMs, delivered: got.unique, duplicates: got.duplicates, failedAttempts: await failedAttempts(c.sql), cpuSecondsPer1000: (cpu / got.unique) * 1000 };
  } finally {
    await c.stop();
  }
}

async function runDrain(ctx: BenchContext, pg: BenchPostgres): Promise<PgSeededRun> {
  const count = Math.min(ctx.sizes.drainCount, PG_MAX.drainCount);
  const c = await startCluster(ctx, pg, "pg-drain", 1);
  try {
    await c.nodes[0]!.api("POST", "/v1/endpoints", { tenant: "default", url: ctx.receiver.hookUrl }, 201);
    await ctx.receiver.reset();
    ctx.progress(`postgres delivery: ${int(count)} due deliveries for 1 process`);
    const cpu0 = cpuOf(c.nodes);
    const { t0, seedMs } = await seedDue(c.sql, count);
    const got = await ctx.receiver.waitFor(count, 240_000);
    await waitNoPending(c.sql, "postgres delivery", 30_000);
    const cpu = cpuOf(c.nodes) - cpu0;
    const seconds = (got.last_at - t0) / 1000;
    return { processes: 1, count, seconds, perSecond: count / seconds, cpuSeconds: cpu, cpuSecondsPer1000: (cpu / count) * 1000, boundPerSecond: 0, duplicates: got.duplicates, failedAttempts: await failedAttempts(c.sql), connections: got.connections, seedMs };
  } finally {
    await c.stop();
  }
}

async function runE2e(ctx: BenchContext, pg: BenchPostgres, rate: number, seconds: number): Promise<PgResults["e2e"][number]> {
  const processes = 2;
  const c = await startCluster(ctx, pg, "pg-e2e", processes);
  try {
    await c.nodes[0]!.api("POST", "/v1/endpoints", { tenant: "default", url: ctx.receiver.hookUrl }, 201);
    await ctx.receiver.reset(true);
    ctx.progress(`postgres end-to-end: ${rate} events/s for ${seconds} s into process 1 of ${processes}`);
    const child = spawnBunScript("paced-load.ts", ["--url", c.nodes[0]!.url, "--token", ctx.token, "--rate", String(rate), "--seconds", String(seconds)]);
    const load = await child.line((r) => typeof r.sent === "number", seconds * 1000 + 120_000, "paced load result");
    await child.proc.exited;
    if (load.rejected > 0) throw new Error(`postgres end-to-end: ${load.rejected} events not accepted: ${JSON.stringify(load.rejected_samples)}`);
    const got = await ctx.receiver.waitFor(load.accepted, 120_000);
    if (got.bad_bodies > 0 || got.latency_ms === null) throw new Error(`postgres end-to-end: ${got.bad_bodies} deliveries without data.sent_at`);
    return { processes, seconds, sent: load.sent, rate: load.rate, latencyMs: got.latency_ms, ingestMs: load.ingest_ms, worstLagMs: load.worst_lag_ms, duplicates: got.duplicates };
  } finally {
    await c.stop();
  }
}

async function runWide(ctx: BenchContext, pg: BenchPostgres): Promise<PgSeededRun[]> {
  const { wideEndpoints: endpoints, wideDelayMs: delay } = ctx.sizes;
  const events = Math.min(ctx.sizes.wideEvents, PG_MAX.wideEvents);
  const slow = spawnBunScript("slow-receivers.ts", ["--count", String(endpoints), "--delay", String(delay)]);
  const results: PgSeededRun[] = [];
  try {
    const ready = await slow.line((r) => r.ready === true, 30_000, "slow receivers ready line");
    const ports = ready.ports as number[];
    const control = `http://127.0.0.1:${ready.control}`;
    for (const n of WIDE_PROCESSES) {
      const c = await startCluster(ctx, pg, `pg-wide-${n}`, n);
      try {
        ctx.progress(`postgres wide and slow, ${n} process${n === 1 ? "" : "es"}: creating ${endpoints} endpoints`);
        let next = 0;
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            while (next < endpoints) {
              const i = next++;
              await c.nodes[0]!.api("POST", "/v1/endpoints", { tenant: `w${i}`, url: `http://127.0.0.1:${ports[i]}/hook` }, 201);
            }
          }),
        );
        await fetch(`${control}/__reset`, { method: "POST" });
        ctx.progress(`postgres wide and slow, ${n} process${n === 1 ? "" : "es"}: ${int(events)} deliveries to ${endpoints} endpoints answering after ${delay} ms`);
        const cpu0 = cpuOf(c.nodes);
        const { t0, seedMs } = await seedDue(c.sql, events);
        const got = (await (await fetch(`${control}/__wait?count=${events}&timeout=240000`)).json()) as Record<string, number>;
        if (got.unique! < events) throw new Error(`postgres wide and slow (${n}): ${got.unique} of ${events} deliveries arrived`);
        await waitNoPending(c.sql, `postgres wide and slow (${n})`, 30_000);
        const cpu = cpuOf(c.nodes) - cpu0;
        const seconds = (got.last_at! - t0) / 1000;
        results.push({
          processes: n,
          count: events,
          seconds,
          perSecond: events / seconds,
          cpuSeconds: cpu,
          cpuSecondsPer1000: (cpu / events) * 1000,
          duplicates: got.duplicates!,
          failedAttempts: await failedAttempts(c.sql),
          connections: got.connections!,
          maxInFlight: got.max_in_flight!,
          boundPerSecond: (n * BENCH_CONCURRENCY) / (delay / 1000),
          seedMs,
        });
      } finally {
        await c.stop();
      }
    }
  } finally {
    slow.proc.kill("SIGKILL");
    await slow.proc.exited;
  }
  return results;
}

export async function runPostgresBench(ctx: BenchContext, pg: BenchPostgres): Promise<PgResults> {
  const ingestCeiling = await runIngestCeiling(ctx);
  const ingest = await runIngest(ctx, pg);
  const drain = await runDrain(ctx, pg);
  const e2e = [
    await runE2e(ctx, pg, ctx.sizes.e2eRate, Math.min(ctx.sizes.e2eSeconds, PG_E2E_HIGH_SECONDS)),
    await runE2e(ctx, pg, PG_E2E_LOW_RATE, ctx.sizes.e2eSeconds),
  ];
  const wide = await runWide(ctx, pg);
  return { postgresVersion: pg.version, synchronousCommit: pg.synchronousCommit, ingestCeiling, ingest, drain, e2e, wide };
}

export function buildPostgresRows(r: PgResults): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  const notes: string[] = [];
  const i = r.ingest;
  rows.push({
    figure: `pg ingest events/s (1 process, ${i.connections} conns)`,
    value: int(i.wrk.requestsPerSecond),
    ceiling: int(r.ingestCeiling.requestsPerSecond),
    ratio: pct(i.wrk.requestsPerSecond / r.ingestCeiling.requestsPerSecond),
  });
  rows.push({ figure: "pg ingest latency p50 / p99", value: `${ms(i.wrk.latencyMs.p50)} / ${ms(i.wrk.latencyMs.p99)}`, ceiling: `${ms(r.ingestCeiling.latencyMs.p50)} / ${ms(r.ingestCeiling.latencyMs.p99)}` });
  notes.push(
    `pg ingest: ${int(i.wrk.requests)} events in ${i.wrk.seconds.toFixed(1)} s, max ${ms(i.wrk.latencyMs.max)}; last delivery ${(i.settleMs / 1000).toFixed(1)} s after the load ended; ` +
      `${int(i.delivered)} delivered, ${i.duplicates} duplicates, ${i.failedAttempts} failed attempts; ${i.cpuSecondsPer1000.toFixed(2)} CPU s per 1,000 events (ingest and delivery)`,
  );
  const d = r.drain;
  rows.push({ figure: `pg delivery drain/s (1 process, ${int(d.count)} due, ${BENCH_CONCURRENCY} slots)`, value: int(d.perSecond), ratio: "", target: "" });
  notes.push(
    `pg delivery: ${int(d.count)} in ${d.seconds.toFixed(1)} s from the seeding's COMMIT; ${d.cpuSecondsPer1000.toFixed(2)} CPU s per 1,000; ${int(d.connections)} connections, ` +
      `${d.duplicates} duplicates, ${d.failedAttempts} failed attempts; seeded in ${(d.seedMs / 1000).toFixed(1)} s`,
  );
  for (const e of r.e2e) {
    const l = e.latencyMs;
    rows.push({
      figure: `pg end-to-end p50 / p95 / p99 (${int(e.rate)}/s ${e.seconds} s, ${e.processes} processes)`,
      value: `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`,
      target: `p50 ≤ ${PG_TARGETS.e2eP50Ms} ms`,
      ok: l.p50 <= PG_TARGETS.e2eP50Ms,
    });
    notes.push(
      `pg end-to-end at ${int(e.rate)}/s: ${int(l.n)} events ingested on process 1, delivered by whichever of the ${e.processes} claimed first; max ${ms(l.max)}; ` +
        `ingest answer p50 ${ms(e.ingestMs.p50)}, p99 ${ms(e.ingestMs.p99)}; sender at most ${ms(e.worstLagMs)} behind; ${e.duplicates} duplicates`,
    );
  }
  const one = r.wide.find((w) => w.processes === 1);
  for (const w of r.wide) {
    const scaling = one ? w.perSecond / (one.perSecond * w.processes) : Number.NaN;
    rows.push({
      figure: `pg wide & slow deliveries/s (${w.processes} process${w.processes === 1 ? "" : "es"})`,
      value: int(w.perSecond),
      ceiling: int(w.boundPerSecond),
      ratio: w.processes === 1 ? "" : pct(scaling),
      target: w.processes === 1 ? "" : `≥ ${pct(PG_TARGETS.wideScaling)} of ${w.processes} × 1 process`,
      ok: w.processes === 1 ? null : scaling >= PG_TARGETS.wideScaling,
    });
    rows.push({ figure: `pg wide & slow CPU s / 1,000 (${w.processes} process${w.processes === 1 ? "" : "es"})`, value: w.cpuSecondsPer1000.toFixed(2) });
    notes.push(
      `pg wide & slow (${w.processes}): ${int(w.count)} deliveries in ${w.seconds.toFixed(1)} s from the COMMIT; ${w.cpuSeconds.toFixed(1)} CPU s in all; at most ${w.maxInFlight} held at once ` +
        `over ${int(w.connections)} connections; ${w.duplicates} duplicates, ${w.failedAttempts} failed attempts; seeded in ${(w.seedMs / 1000).toFixed(1)} s`,
    );
  }
  notes.push(`pg: PostgreSQL ${r.postgresVersion} on the same machine (fsync on, synchronous_commit ${r.synchronousCommit}${r.synchronousCommit === "off" ? ": a diagnosis, not hookgate's promise" : ""}), pool_size ${PG_POOL_SIZE} per process; "ceiling" of wide & slow = processes × ${BENCH_CONCURRENCY} slots ÷ the receivers' delay`);
  return { rows, notes };
}
