/**
 * Stats for GET /v1/stats, the dashboard and the gauges, read from the
 * attempts and deliveries themselves: each report is two indexed range
 * scans grouped in SQL (attempts by start, deliveries by creation), so no
 * counter row exists that every process would update on every attempt.
 * Attempts carry their latency bins (attempts.ts), and the figures are
 * summed by the SQLite backend's Accumulator over the same bins, so both
 * backends answer the same report, percentiles and rounding included.
 * Windows and series buckets are as in the SQLite backend's stats.ts:
 * [now - length, now), buckets aligned to multiples of their length.
 */
import type { BacklogSnapshot, DeliveryStatus, EndpointStats, StatsReport } from "../../domain/model.ts";
import type { StatsQuery, StatsStore } from "../contract.ts";
import { Accumulator, type SeriesShape } from "../sqlite/stats-accumulator.ts";
import { STATS_WINDOWS } from "../sqlite/stats-windows.ts";
import type { PgClient } from "./pg-client.ts";
import { num, numOrNull } from "./rows.ts";
import { LATENCY_BINS } from "./stats-bins.ts";

/** The failing endpoints the backlog lists at most. */
const FAILING_LIMIT = 50;

/** The report's two scans, by range of their time index; $1..$2 the window, $3 tenant, $4 endpoint (NULL: all). */
export const STATS_QUERIES = {
  /** Attempts grouped by endpoint, series bucket ($5 first bucket start, $6 bucket length), error and bins. */
  attempts: `SELECT endpoint_id, (started_at - $5::bigint) / $6::bigint AS i, error, latency_bin, ttd_bin, count(*) AS n
    FROM attempts WHERE NOT is_test AND started_at >= $1::bigint AND started_at < $2::bigint
      AND ($3::text IS NULL OR tenant = $3::text) AND ($4::text IS NULL OR endpoint_id = $4::text)
    GROUP BY 1, 2, 3, 4, 5`,
  /** Deliveries created in the window, by endpoint and their status now. */
  deliveries: `SELECT endpoint_id, status, count(*) AS n
    FROM deliveries WHERE NOT is_test AND created_at >= $1::bigint AND created_at < $2::bigint
      AND ($3::text IS NULL OR tenant = $3::text) AND ($4::text IS NULL OR endpoint_id = $4::text)
    GROUP BY 1, 2`,
} as const;

interface AttemptGroup {
  endpoint_id: string | null;
  i: string;
  error: string | null;
  latency_bin: number | null;
  ttd_bin: number | null;
  n: string;
}

interface DeliveryGroup {
  endpoint_id: string | null;
  status: DeliveryStatus;
  n: string;
}

async function report(db: PgClient, q: StatsQuery): Promise<StatsReport> {
  const { lengthMs, bucketMs } = STATS_WINDOWS[q.window];
  const to = q.now;
  const from = to - lengthMs;
  const first = Math.floor(from / bucketMs) * bucketMs;
  const shape: SeriesShape = { first, ms: bucketMs, count: Math.ceil((to - first) / bucketMs) };
  const tenant = q.tenant ?? null;
  const endpointId = q.endpointId ?? null;

  const [attempts, deliveries] = await db.run(async (sql) => [
    (await sql.unsafe(STATS_QUERIES.attempts, [from, to, tenant, endpointId, first, bucketMs])) as AttemptGroup[],
    (await sql.unsafe(STATS_QUERIES.deliveries, [from, to, tenant, endpointId])) as DeliveryGroup[],
  ]);

  const totals = new Accumulator(LATENCY_BINS, shape);
  const perEndpoint = new Map<string, Accumulator>();
  const accFor = (key: string | null) => {
    let acc = perEndpoint.get(key ?? "");
    if (!acc) {
      acc = new Accumulator(LATENCY_BINS, shape);
      perEndpoint.set(key ?? "", acc);
    }
    return acc;
  };
  for (const g of attempts) {
    const n = num(g.n);
    const i = num(g.i);
    for (const a of [totals, accFor(g.endpoint_id)]) {
      a.addAttempts(i, n, g.error === null ? 0 : n);
      if (g.error !== null) a.addError(g.error, n);
      if (g.latency_bin !== null) a.addLatency(i, g.latency_bin, n);
      if (g.ttd_bin !== null) a.addTtd(g.ttd_bin, n);
    }
  }
  for (const g of deliveries) {
    const n = num(g.n);
    totals.deliveries[g.status] += n;
    accFor(g.endpoint_id).deliveries[g.status] += n;
  }

  const endpoints: EndpointStats[] = [...perEndpoint]
    .map(([key, acc]) => ({ endpointId: key === "" ? null : key, ...acc.figures() }))
    .sort((a, b) => b.attempts - a.attempts || compareIds(a.endpointId, b.endpointId));
  return { window: q.window, from, to, bucketMs, totals: totals.figures(), endpoints };
}

interface FailingRow {
  id: string;
  tenant: string;
  url: string;
  state: "enabled" | "disabled";
  disabled_reason: BacklogSnapshot["failing"][number]["disabledReason"];
  failing_since: string;
  consecutive_failures: number;
  last_success_at: string | null;
}

/** The state of things now: pending work (from its partial index) and failing endpoints. */
async function backlog(db: PgClient): Promise<BacklogSnapshot> {
  return db.run(async (sql) => {
    const [pending] = (await sql`SELECT count(*) AS n, min(created_at) AS oldest FROM deliveries
      WHERE status = 'pending' AND NOT is_test`) as { n: string; oldest: string | null }[];
    const byState = (await sql`SELECT state, count(*) AS n FROM endpoints GROUP BY state`) as { state: "enabled" | "disabled"; n: string }[];
    const failing = (await sql`SELECT id, tenant, url, state, disabled_reason, failing_since, consecutive_failures, last_success_at
      FROM endpoints WHERE failing_since IS NOT NULL ORDER BY failing_since, id LIMIT ${FAILING_LIMIT}`) as FailingRow[];
    const endpointsByState = { enabled: 0, disabled: 0 };
    for (const r of byState) endpointsByState[r.state] = num(r.n);
    return {
      pending: num(pending?.n ?? 0),
      oldestPendingCreatedAt: numOrNull(pending?.oldest ?? null),
      endpointsByState,
      failing: failing.map((r) => ({
        id: r.id,
        tenant: r.tenant,
        url: r.url,
        state: r.state,
        disabledReason: r.disabled_reason,
        failingSince: num(r.failing_since),
        consecutiveFailures: r.consecutive_failures,
        lastSuccessAt: numOrNull(r.last_success_at),
      })),
    };
  });
}

/** Endpoint ids in order, callback_url deliveries (null) last. */
function compareIds(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export function createStatsStore(db: PgClient): StatsStore {
  return {
    report: (q) => report(db, q),
    backlog: () => backlog(db),
  };
}
