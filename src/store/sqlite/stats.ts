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
import { LatencyBins, readBins, type Histogram } from "./stats-histogram.ts";
import type { BacklogSnapshot, DeliveryStatus, EndpointStats, StatsFigures, StatsReport, StatsWindow } from "../../domain/model.ts";
import type { StatsQuery } from "../contract.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Per window: its length, its series bucket, and the rollup sizes it reads (coarsest first, the first = the bucket). */
export const STATS_WINDOWS: Record<StatsWindow, { lengthMs: number; bucketMs: number; levels: number[] }> = {
  "1h": { lengthMs: HOUR, bucketMs: MINUTE, levels: [MINUTE] },
  "24h": { lengthMs: DAY, bucketMs: 15 * MINUTE, levels: [15 * MINUTE, MINUTE] },
  "7d": { lengthMs: 7 * DAY, bucketMs: 2 * HOUR, levels: [2 * HOUR, 15 * MINUTE] },
};

/**
 * How long each rollup size is kept: the longest window that reads it plus
 * a day of margin. Minute rows serve the 1h window and the ends of the 24h
 * one; the others the 7d window.
 */
export const ROLLUP_KEEP_MS: Record<number, number> = {
  [MINUTE]: 2 * DAY,
  [15 * MINUTE]: 8 * DAY,
  [2 * HOUR]: 8 * DAY,
};

/** The failing endpoints the backlog lists at most. */
const FAILING_LIMIT = 50;

/** A stretch of time read from one rollup size, or from the raw rows (level null). */
interface Segment {
  level: number | null;
  start: number;
  end: number;
}

/**
 * Splits [start, end) into whole buckets of the coarsest level, the ends
 * into the next finer ones, and what is left into raw stretches.
 */
export function coverWindow(start: number, end: number, levels: number[]): Segment[] {
  if (start >= end) return [];
  const [level, ...finer] = levels;
  if (level === undefined) return [{ level: null, start, end }];
  const first = Math.ceil(start / level) * level;
  const last = Math.floor(end / level) * level;
  if (first >= last) return coverWindow(start, end, finer);
  return [...coverWindow(start, first, finer), { level, start: first, end: last }, ...coverWindow(last, end, finer)];
}

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

/** The series buckets of one report: `count` buckets of `ms` from `first`. */
interface SeriesShape {
  first: number;
  ms: number;
  count: number;
}

/**
 * The running sums for one endpoint or for the totals. Histograms are dense
 * arrays indexed by bin, the series' ones side by side (bucket i at
 * i · bins.size), so adding a rollup row is array arithmetic.
 */
class Accumulator {
  deliveries = { pending: 0, succeeded: 0, failed: 0 };
  attempts = 0;
  failures = 0;
  errors: Record<string, number> = {};
  readonly latency: Histogram;
  latencyN = 0;
  readonly ttd: Histogram;
  ttdN = 0;
  readonly seriesAttempts: Float64Array;
  readonly seriesFailures: Float64Array;
  readonly seriesLatency: Histogram;
  readonly seriesLatencyN: Float64Array;

  constructor(
    private readonly bins: LatencyBins,
    private readonly shape: SeriesShape,
  ) {
    this.latency = bins.histogram();
    this.ttd = bins.histogram();
    this.seriesAttempts = new Float64Array(shape.count);
    this.seriesFailures = new Float64Array(shape.count);
    this.seriesLatency = bins.histogram(shape.count);
    this.seriesLatencyN = new Float64Array(shape.count);
  }

  /** Counts attempts and failures in series bucket `i`. */
  addAttempts(i: number, attempts: number, failures: number): void {
    this.attempts += attempts;
    this.failures += failures;
    this.seriesAttempts[i]! += attempts;
    this.seriesFailures[i]! += failures;
  }

  addError(error: string, n: number): void {
    this.errors[error] = (this.errors[error] ?? 0) + n;
  }

  addLatency(i: number, bin: number, n: number): void {
    this.latency[bin]! += n;
    this.latencyN += n;
    this.seriesLatency[i * this.bins.size + bin]! += n;
    this.seriesLatencyN[i]! += n;
  }

  /** The `k` entries read by readBins into series bucket `i`; `total` is their sum. */
  addLatencies(i: number, bins: Int32Array, counts: Float64Array, k: number, total: number): void {
    const { latency, seriesLatency } = this;
    const base = i * this.bins.size;
    for (let j = 0; j < k; j++) {
      latency[bins[j]!]! += counts[j]!;
      seriesLatency[base + bins[j]!]! += counts[j]!;
    }
    this.latencyN += total;
    this.seriesLatencyN[i]! += total;
  }

  addTtd(bin: number, n: number): void {
    this.ttd[bin]! += n;
    this.ttdN += n;
  }

  addTtds(bins: Int32Array, counts: Float64Array, k: number, total: number): void {
    const { ttd } = this;
    for (let j = 0; j < k; j++) ttd[bins[j]!]! += counts[j]!;
    this.ttdN += total;
  }

  figures(): StatsFigures {
    const { bins, shape } = this;
    return {
      deliveries: this.deliveries,
      attempts: this.attempts,
      failedAttempts: this.failures,
      successRate: this.attempts === 0 ? null : (this.attempts - this.failures) / this.attempts,
      attemptLatencyMs: bins.percentiles(this.latency, this.latencyN),
      timeToDeliveryMs: bins.percentiles(this.ttd, this.ttdN),
      failuresByError: this.errors,
      series: Array.from({ length: shape.count }, (_, i) => ({
        start: shape.first + i * shape.ms,
        attempts: this.seriesAttempts[i]!,
        failures: this.seriesFailures[i]!,
        p95LatencyMs: bins.percentile(this.seriesLatency, 0.95, this.seriesLatencyN[i]!, i * bins.size),
      })),
    };
  }
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
