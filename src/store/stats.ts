/**
 * SQL for GET /v1/stats, the dashboard and the gauges: reports read from the
 * stats_rollups table (kept by triggers, migration 0005) and the backlog
 * read from indexes. Synchronous; sqlite-store.ts wraps it.
 *
 * A window is [now - length, now), half-open. Its series buckets are
 * aligned to multiples of the bucket length since the Unix epoch (UTC), so
 * the same bucket always has the same start: the first bucket starts at or
 * before `from`, the last holds the window's last millisecond, and both
 * count only their part inside the window. The window is read as whole rollup buckets of the
 * series' size, its ragged ends from the next finer size, and what is left
 * (less than the finest bucket at each end) from the raw rows. Rollups of
 * one level cover the window exactly, so series, totals and the raw rows
 * agree to the attempt.
 */
import type { Database, Statement } from "bun:sqlite";
import { LatencyBins, readBins, type Histogram } from "./stats-histogram.ts";
import type { BacklogSnapshot, DeliveryStatus, EndpointStats, StatsFigures, StatsQuery, StatsReport, StatsWindow } from "./types.ts";

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

  /** One raw attempt, counted exactly as the stats_attempt_recorded trigger counts it. */
  private addAttempt(row: RawAttemptRow, totals: Accumulator, acc: Accumulator, i: number): void {
    const failed = row.error === null ? 0 : 1;
    for (const a of [totals, acc]) {
      a.addAttempts(i, 1, failed);
      if (row.error !== null) a.addError(row.error, 1);
      if (row.error !== "endpoint_disabled") a.addLatency(i, this.bins.binOf(row.duration_ms), 1);
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
