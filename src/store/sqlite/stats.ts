/**
 * SQL for GET /v1/stats, the dashboard and the gauges: reports read from the
 * stats_rollups table plus the minute rows not folded into it yet (both in
 * migration 0005; the write paths count into the minute rows through
 * stats-counter.ts, fold() moves them), and the backlog read from indexes.
 * Synchronous; sqlite-store.ts wraps it.
 *
 * A window is [now - length, now), half-open. Its series buckets are
 * aligned to multiples of the bucket length since the Unix epoch (UTC), so
 * the same bucket always has the same start: the first bucket starts at or
 * before `from`, the last holds the window's last millisecond, and both
 * count only their part inside the window. The window is read as whole rollup buckets of the
 * series' size, its ragged ends from the next finer size, and what is left
 * (less than the finest bucket at each end) from the raw rows. Rollups of
 * one level cover the window exactly, so series, totals and the raw rows
 * agree to the attempt. Each stretch read from rollups also adds the
 * unfolded minute rows inside it: a minute row lies wholly in one stretch,
 * since every rollup size is a whole number of minutes.
 */
import type { Database, Statement } from "bun:sqlite";
import { measuresLatency } from "../../domain/outcome.ts";
import { Accumulator, type SeriesShape } from "./stats-accumulator.ts";
import { LatencyBins, readBins } from "./stats-histogram.ts";
import { coverWindow, ROLLUP_KEEP_MS, STATS_WINDOWS } from "./stats-windows.ts";
import type { BacklogSnapshot, DeliveryStatus, EndpointStats, StatsReport } from "../../domain/model.ts";
import type { StatsQuery } from "../contract.ts";

/** The failing endpoints the backlog lists at most. */
const FAILING_LIMIT = 50;

/** A rollup row as an array (statement.values(): no object per row): the columns of ROLLUP_COLUMNS in order. */
type RollupRow = [number, string, number, number, string, string, string, number, number, number];
const ROLLUP_COLUMNS = "bucket_start, endpoint_key, attempts, failures, errors, latency, ttd, pending, succeeded, failed";
/** An unfolded minute row (stats_live), as an array. */
type LiveRow = [number, string, number, number, number, number, number];
/** An unfolded histogram entry (stats_live_counts), as an array. */
type LiveCountRow = [number, string, "errors" | "latency" | "ttd", string, number];
/** Filters shared by the rollup and minute-row reads: ?1..?2 the bucket starts, ?3 the tenant, ?4 the endpoint. */
const LIVE_FILTER = "bucket_start >= ?1 AND bucket_start < ?2 AND (?3 IS NULL OR tenant = ?3) AND (?4 IS NULL OR endpoint_key = ?4)";

/**
 * The fold: each minute row into the bucket of every size holding it,
 * counts added and histograms merged key by key, then the minute rows go.
 * Migration 0005 runs the same statements for its backfill.
 */
const FOLD_COUNTS = `INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, attempts, failures, pending, succeeded, failed)
  SELECT l.bucket_ms, s.bucket_start - s.bucket_start % l.bucket_ms, s.endpoint_key, s.tenant,
    sum(s.attempts), sum(s.failures), sum(s.pending), sum(s.succeeded), sum(s.failed)
  FROM stats_levels l, stats_live s WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, failures = failures + excluded.failures,
  pending = pending + excluded.pending, succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed`;
const foldMeasure = (m: "errors" | "latency" | "ttd") => `INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, ${m})
  SELECT bucket_ms, bucket_start, endpoint_key, tenant, json_group_object(key, n) FROM (
    SELECT l.bucket_ms, c.bucket_start - c.bucket_start % l.bucket_ms AS bucket_start, c.endpoint_key, c.tenant, c.key, sum(c.n) AS n
    FROM stats_levels l, stats_live_counts c WHERE c.measure = '${m}' GROUP BY 1, 2, 3, 4, 5)
  WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET ${m} = (SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM (
  SELECT key, value FROM json_each(${m}) UNION ALL SELECT key, value FROM json_each(excluded.${m})) GROUP BY key))`;

interface RawAttemptRow {
  endpoint_id: string | null;
  started_at: number;
  duration_ms: number;
  error: string | null;
  created_at: number;
}

interface RawDeliveryRow {
  endpoint_id: string | null;
  status: DeliveryStatus;
  n: number;
}

/** Statements over stats_rollups, and the backlog's indexed counts. */
export class StatsTable {
  private readonly bins: LatencyBins;
  private readonly rollupStmt: Statement<unknown, [number, number, number, string | null, string | null]>;
  /** Scratch for readBins: a histogram has at most one entry per bin. */
  private readonly scratchBins: Int32Array;
  private readonly scratchCounts: Float64Array;
  private readonly rawAttemptsStmt: Statement<RawAttemptRow, [number, number, string | null, string | null]>;
  private readonly rawDeliveriesStmt: Statement<RawDeliveryRow, [number, number, string | null, string | null]>;
  private readonly pendingCountStmt: Statement<{ n: number }, []>;
  private readonly oldestPendingStmt: Statement<{ created_at: number }, []>;
  private readonly byStateStmt: Statement<{ state: "enabled" | "disabled"; n: number }, []>;
  private readonly failingStmt: Statement<FailingRow, [number]>;
  private readonly pruneStmt: Statement<unknown, [number, number]>;
  private readonly liveStmt: Statement<unknown, [number, number, string | null, string | null]>;
  private readonly liveCountsStmt: Statement<unknown, [number, number, string | null, string | null]>;
  private readonly foldStmts: Statement[];
  private readonly clearLiveStmts: Statement[];

  constructor(db: Database) {
    this.bins = LatencyBins.load(db);
    this.scratchBins = new Int32Array(this.bins.size);
    this.scratchCounts = new Float64Array(this.bins.size);
    this.rollupStmt = db.query(`SELECT ${ROLLUP_COLUMNS}
      FROM stats_rollups WHERE bucket_ms = ?1 AND bucket_start >= ?2 AND bucket_start < ?3
      AND (?4 IS NULL OR tenant = ?4) AND (?5 IS NULL OR endpoint_key = ?5)`);
    // The ragged ends: less than one finest bucket of rows at each end of the window.
    this.rawAttemptsStmt = db.query(`SELECT a.endpoint_id, a.started_at, a.duration_ms, a.error, d.created_at
      FROM attempts a INDEXED BY attempts_by_started JOIN deliveries d ON d.id = a.delivery_id
      WHERE a.started_at >= ?1 AND a.started_at < ?2 AND a.is_test = 0
      AND (?3 IS NULL OR d.tenant = ?3) AND (?4 IS NULL OR a.endpoint_id = ?4)`);
    this.rawDeliveriesStmt = db.query(`SELECT endpoint_id, status, count(*) AS n FROM deliveries INDEXED BY deliveries_by_created
      WHERE created_at >= ?1 AND created_at < ?2 AND is_test = 0
      AND (?3 IS NULL OR tenant = ?3) AND (?4 IS NULL OR endpoint_id = ?4) GROUP BY endpoint_id, status`);
    // Counted from the partial index alone; min() as its own query, so it is one seek.
    this.pendingCountStmt = db.query(`SELECT count(*) AS n FROM deliveries INDEXED BY deliveries_pending_by_created
      WHERE status = 'pending' AND is_test = 0`);
    this.oldestPendingStmt = db.query(`SELECT created_at FROM deliveries INDEXED BY deliveries_pending_by_created
      WHERE status = 'pending' AND is_test = 0 ORDER BY created_at LIMIT 1`);
    this.byStateStmt = db.query("SELECT state, count(*) AS n FROM endpoints GROUP BY state");
    this.failingStmt = db.query(`SELECT id, tenant, url, state, disabled_reason, failing_since, consecutive_failures, last_success_at
      FROM endpoints WHERE failing_since IS NOT NULL ORDER BY failing_since, id LIMIT ?`);
    this.pruneStmt = db.query("DELETE FROM stats_rollups WHERE bucket_ms = ?1 AND bucket_start < ?2");
    this.liveStmt = db.query(`SELECT bucket_start, endpoint_key, attempts, failures, pending, succeeded, failed
      FROM stats_live WHERE ${LIVE_FILTER}`);
    this.liveCountsStmt = db.query(`SELECT bucket_start, endpoint_key, measure, key, n FROM stats_live_counts WHERE ${LIVE_FILTER}`);
    this.foldStmts = [FOLD_COUNTS, foldMeasure("errors"), foldMeasure("latency"), foldMeasure("ttd")].map((sql) => db.query(sql));
    this.clearLiveStmts = [db.query("DELETE FROM stats_live"), db.query("DELETE FROM stats_live_counts")];
  }

  /** The report for one window, from the rollups plus the raw rows at its ends. */
  report(q: StatsQuery): StatsReport {
    const { lengthMs, bucketMs, levels } = STATS_WINDOWS[q.window];
    const to = q.now;
    const from = to - lengthMs;
    const first = Math.floor(from / bucketMs) * bucketMs;
    const shape: SeriesShape = { first, ms: bucketMs, count: Math.ceil((to - first) / bucketMs) };
    const tenant = q.tenant ?? null;
    const endpointId = q.endpointId ?? null;

    const totals = new Accumulator(this.bins, shape);
    const perEndpoint = new Map<string, Accumulator>();
    const accFor = (key: string) => {
      let acc = perEndpoint.get(key);
      if (!acc) {
        acc = new Accumulator(this.bins, shape);
        perEndpoint.set(key, acc);
      }
      return acc;
    };
    const seriesIndex = (t: number) => Math.floor((t - first) / bucketMs);

    for (const seg of coverWindow(from, to, levels)) {
      if (seg.level !== null) {
        for (const row of this.rollupStmt.values(seg.level, seg.start, seg.end, tenant, endpointId) as RollupRow[]) {
          this.addRollup(row, totals, accFor(row[1]), seriesIndex(row[0]));
        }
        for (const row of this.liveStmt.values(seg.start, seg.end, tenant, endpointId) as LiveRow[]) {
          this.addLive(row, totals, accFor(row[1]), seriesIndex(row[0]));
        }
        for (const row of this.liveCountsStmt.values(seg.start, seg.end, tenant, endpointId) as LiveCountRow[]) {
          this.addLiveCount(row, totals, accFor(row[1]), seriesIndex(row[0]));
        }
      } else {
        for (const row of this.rawAttemptsStmt.all(seg.start, seg.end, tenant, endpointId)) {
          this.addAttempt(row, totals, accFor(row.endpoint_id ?? ""), seriesIndex(row.started_at));
        }
        for (const row of this.rawDeliveriesStmt.all(seg.start, seg.end, tenant, endpointId)) {
          totals.deliveries[row.status] += row.n;
          accFor(row.endpoint_id ?? "").deliveries[row.status] += row.n;
        }
      }
    }

    const endpoints: EndpointStats[] = [...perEndpoint]
      .map(([key, acc]) => ({ endpointId: key === "" ? null : key, ...acc.figures() }))
      .sort((a, b) => b.attempts - a.attempts || compareIds(a.endpointId, b.endpointId));
    return { window: q.window, from, to, bucketMs, totals: totals.figures(), endpoints };
  }

  private addRollup(row: RollupRow, totals: Accumulator, acc: Accumulator, i: number): void {
    const [, , attempts, failures, errors, latency, ttd, pending, succeeded, failed] = row;
    for (const a of [totals, acc]) {
      a.deliveries.pending += pending;
      a.deliveries.succeeded += succeeded;
      a.deliveries.failed += failed;
    }
    if (attempts === 0) return;
    totals.addAttempts(i, attempts, failures);
    acc.addAttempts(i, attempts, failures);
    if (errors !== "{}") {
      for (const [error, n] of Object.entries(JSON.parse(errors) as Record<string, number>)) {
        totals.addError(error, n);
        acc.addError(error, n);
      }
    }
    const { scratchBins: b, scratchCounts: c } = this;
    if (latency !== "{}") {
      const k = readBins(latency, b, c);
      let total = 0;
      for (let j = 0; j < k; j++) total += c[j]!;
      totals.addLatencies(i, b, c, k, total);
      acc.addLatencies(i, b, c, k, total);
    }
    if (ttd !== "{}") {
      const k = readBins(ttd, b, c);
      let total = 0;
      for (let j = 0; j < k; j++) total += c[j]!;
      totals.addTtds(b, c, k, total);
      acc.addTtds(b, c, k, total);
    }
  }

  private addLive(row: LiveRow, totals: Accumulator, acc: Accumulator, i: number): void {
    const [, , attempts, failures, pending, succeeded, failed] = row;
    for (const a of [totals, acc]) {
      a.deliveries.pending += pending;
      a.deliveries.succeeded += succeeded;
      a.deliveries.failed += failed;
      a.addAttempts(i, attempts, failures);
    }
  }

  private addLiveCount(row: LiveCountRow, totals: Accumulator, acc: Accumulator, i: number): void {
    const [, , measure, key, n] = row;
    for (const a of [totals, acc]) {
      if (measure === "errors") a.addError(key, n);
      else if (measure === "latency") a.addLatency(i, Number(key), n);
      else a.addTtd(Number(key), n);
    }
  }

  /** One raw attempt, counted exactly as StatsCounter.attempt counts it. */
  private addAttempt(row: RawAttemptRow, totals: Accumulator, acc: Accumulator, i: number): void {
    const failed = row.error === null ? 0 : 1;
    for (const a of [totals, acc]) {
      a.addAttempts(i, 1, failed);
      if (row.error !== null) a.addError(row.error, 1);
      if (measuresLatency(row.error)) a.addLatency(i, this.bins.binOf(row.duration_ms), 1);
      if (row.error === null) a.addTtd(this.bins.binOf(row.started_at + row.duration_ms - row.created_at), 1);
    }
  }

  /** The state of things now: pending work and failing endpoints. */
  backlog(): BacklogSnapshot {
    const endpointsByState = { enabled: 0, disabled: 0 };
    for (const r of this.byStateStmt.all()) endpointsByState[r.state] = r.n;
    return {
      pending: this.pendingCountStmt.get()?.n ?? 0,
      oldestPendingCreatedAt: this.oldestPendingStmt.get()?.created_at ?? null,
      endpointsByState,
      failing: this.failingStmt.all(FAILING_LIMIT).map((r) => ({
        id: r.id,
        tenant: r.tenant,
        url: r.url,
        state: r.state,
        disabledReason: r.disabled_reason,
        failingSince: r.failing_since,
        consecutiveFailures: r.consecutive_failures,
        lastSuccessAt: r.last_success_at,
      })),
    };
  }

  /** Moves the minute rows into the rollups of every size (one transaction: the caller's); returns how many rows it moved. */
  fold(): number {
    for (const stmt of this.foldStmts) stmt.run();
    return this.clearLiveStmts.reduce((n, stmt) => n + stmt.run().changes, 0);
  }

  /** Deletes rollups no window reaches any more (ROLLUP_KEEP_MS); returns how many. */
  prune(now: number): number {
    let n = 0;
    for (const [level, keep] of Object.entries(ROLLUP_KEEP_MS)) n += this.pruneStmt.run(Number(level), now - keep).changes;
    return n;
  }
}

interface FailingRow {
  id: string;
  tenant: string;
  url: string;
  state: "enabled" | "disabled";
  disabled_reason: BacklogSnapshot["failing"][number]["disabledReason"];
  failing_since: number;
  consecutive_failures: number;
  last_success_at: number | null;
}

/** Endpoint ids in order, callback_url deliveries (null) last. */
function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
