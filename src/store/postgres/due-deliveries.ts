/**
 * The claim's reads and its lease, each an index range or seek whatever the
 * backlog (test/store/postgres/query-plans.test.ts checks how many rows
 * they read). Run inside the claim's transaction, after its lock (claim.ts),
 * so what they read is not being claimed by anyone else meanwhile.
 */
import type { ClaimedDelivery } from "../contract.ts";
import type { Tx } from "./pg-client.ts";
import { deliveryFromRow, num, type DeliveryRow } from "./rows.ts";

/** Lower than any time: a row range's open end. */
const MIN_BIGINT = "'-9223372036854775808'::bigint";

export const CLAIM_QUERIES = {
  /** Live leases per endpoint, over every process: the leased rows are at most as many as the cluster's slots. */
  liveLeases: `SELECT endpoint_id, count(*) AS n FROM deliveries
    WHERE status = 'pending' AND lease_until > $1::bigint AND endpoint_id IS NOT NULL GROUP BY endpoint_id`,
  /** The earliest due deliveries, whoever they belong to, in deliveries_due order. $1 now, $2 limit. */
  earliestDue: `SELECT id, endpoint_id, next_attempt_at FROM deliveries
    WHERE status = 'pending' AND next_attempt_at <= $1::bigint
    ORDER BY next_attempt_at, id LIMIT $2::int`,
  /**
   * For each endpoint with pending work and room, its earliest due
   * deliveries up to its room, by one seek each, plus the earliest
   * callback_url ones; the earliest $2 of all. The endpoints come from a
   * loose index scan, so the cost follows the number of endpoints, never
   * the depth of one endpoint's backlog.
   *
   * The seek bounds (endpoint, due time) as a row range, not as
   * "endpoint_id = ep": with an equality on a value it cannot see, the
   * planner prefers walking deliveries_due in time order and filtering,
   * which reads all the backlog of an endpoint that owns most due rows.
   * Only deliveries_due_by_endpoint serves the row range, in its own order.
   *
   * $1 now, $2 limit, $3 the default room, $4/$5 endpoints and their rooms
   * where they differ, $6 endpoints without room, $7 ids already taken.
   */
  offersByEndpoint: `WITH RECURSIVE eps(ep) AS (
      SELECT min(endpoint_id) FROM deliveries WHERE status = 'pending'
      UNION ALL
      SELECT (SELECT min(endpoint_id) FROM deliveries WHERE status = 'pending' AND endpoint_id > eps.ep)
      FROM eps WHERE eps.ep IS NOT NULL
    ), rooms AS (SELECT * FROM unnest($4::text[], $5::int[]) AS r(ep, room))
    (SELECT c.id, c.endpoint_id, c.next_attempt_at FROM eps CROSS JOIN LATERAL (
        SELECT d.id, d.endpoint_id, d.next_attempt_at FROM deliveries d
        WHERE d.status = 'pending' AND d.id <> ALL($7::text[])
          AND (d.endpoint_id, d.next_attempt_at) >= (eps.ep, ${MIN_BIGINT})
          AND (d.endpoint_id, d.next_attempt_at) <= (eps.ep, $1::bigint)
        ORDER BY d.endpoint_id, d.next_attempt_at, d.id
        LIMIT least($2::int, coalesce((SELECT room FROM rooms WHERE rooms.ep = eps.ep), $3::int))) c
      WHERE eps.ep IS NOT NULL AND eps.ep <> ALL($6::text[])
    UNION ALL
    (SELECT id, endpoint_id, next_attempt_at FROM deliveries
      WHERE status = 'pending' AND endpoint_id IS NULL AND next_attempt_at <= $1::bigint AND id <> ALL($7::text[])
      ORDER BY next_attempt_at, id LIMIT $2::int))
    ORDER BY next_attempt_at, id LIMIT $2::int`,
  /**
   * Leases the chosen deliveries that are still due and unleased, skipping
   * any row another transaction holds (an attempt being recorded, a retry):
   * those stay for a later claim. Unleased, because a run-out lease whose row
   * the claim's cut skipped (it was held then) must be cut, with its
   * interrupted attempt, before it is leased again. $1 ids, $2 owner, $3 now, $4 until.
   */
  lease: `UPDATE deliveries d SET lease_owner = $2::text, lease_until = $4::bigint, next_attempt_at = $4::bigint, leased_at = $3::bigint
    FROM (SELECT id FROM deliveries WHERE id = ANY($1::text[]) AND status = 'pending' AND next_attempt_at <= $3::bigint
          AND lease_until IS NULL FOR UPDATE SKIP LOCKED) chosen
    WHERE d.id = chosen.id
    RETURNING d.*, (SELECT e.payload FROM events e WHERE e.id = d.event_id) AS payload`,
} as const;

/** A due delivery as the claim first sees it: enough to choose, not yet to send. */
export interface DueRow {
  id: string;
  endpoint_id: string | null;
  next_attempt_at: string;
}

export async function liveLeases(tx: Tx, now: number): Promise<Map<string, number>> {
  const rows = (await tx.unsafe(CLAIM_QUERIES.liveLeases, [now])) as { endpoint_id: string; n: string }[];
  return new Map(rows.map((r) => [r.endpoint_id, num(r.n)]));
}

export async function earliestDue(tx: Tx, now: number, limit: number): Promise<DueRow[]> {
  return (await tx.unsafe(CLAIM_QUERIES.earliestDue, [now, limit])) as DueRow[];
}

export async function offersByEndpoint(
  tx: Tx,
  q: { now: number; limit: number; maxPerEndpoint: number; rooms: Map<string, number>; full: Set<string>; picked: string[] },
): Promise<DueRow[]> {
  const rooms = [...q.rooms.values()].map((n) => Math.max(0, n));
  return (await tx.unsafe(CLAIM_QUERIES.offersByEndpoint, [
    q.now,
    q.limit,
    Math.max(0, q.maxPerEndpoint),
    [...q.rooms.keys()],
    rooms,
    [...q.full],
    q.picked,
  ])) as DueRow[];
}

/** The lease is a due time in the future, so a holder that dies gives the delivery back by itself. Answers the rows as leased, with payloads. */
export async function lease(tx: Tx, ids: string[], l: { owner: string; now: number; until: number }): Promise<Map<string, ClaimedDelivery>> {
  const rows = (await tx.unsafe(CLAIM_QUERIES.lease, [ids, l.owner, l.now, l.until])) as (DeliveryRow & { payload: string })[];
  return new Map(rows.map((r) => [r.id, { delivery: deliveryFromRow(r), payload: r.payload }]));
}
