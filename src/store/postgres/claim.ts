/**
 * The claim: which due deliveries a dispatcher leases next, within each
 * endpoint's room, for every process on the database at once.
 *
 * Claims take turns under one advisory lock, held to the commit: each then
 * counts the live leases left by the claims before it, so an endpoint's
 * room (maxPerEndpoint minus the larger of this process's in-flight count
 * and its live leases in the database) holds for all processes together.
 * A claim is a few short statements, so taking turns costs little; rows
 * another transaction holds (an attempt being recorded, a retry) are
 * skipped rather than waited for (FOR UPDATE SKIP LOCKED).
 *
 * Due work is read in pages, earliest due first (ties by id), leaving out
 * the endpoints found without room: one endpoint's backlog never hides the
 * due work of others behind it.
 */
import type { ClaimedDelivery, EndpointCapacity, InterruptedAttempt } from "../contract.ts";
import { LOCKS } from "./advisory-locks.ts";
import { cutLeases } from "./leases.ts";
import type { Tx } from "./pg-client.ts";
import { deliveryFromRow, num, type DeliveryRow } from "./rows.ts";

export interface ClaimRequest {
  now: number;
  limit: number;
  leaseMs: number;
  owner: string;
  capacity: EndpointCapacity;
  newAttemptId: () => string;
}

interface DueRow {
  id: string;
  endpoint_id: string | null;
  next_attempt_at: string;
}

/** Runs inside one transaction (delivery-store.ts): the lease cut, the pages and the leases commit together. */
export async function claimDue(tx: Tx, req: ClaimRequest): Promise<{ claimed: ClaimedDelivery[]; interrupted: InterruptedAttempt[] }> {
  const { now, limit, capacity } = req;
  await tx`SELECT pg_advisory_xact_lock(${LOCKS.namespace}, ${LOCKS.claim})`;
  // A lease that ran out was cut off: its attempt is recorded, and the delivery is due now, claimed below.
  const interrupted = await cutLeases(tx, { owners: "all", expiredBy: now, skipLocked: true }, now, req.newAttemptId);
  if (limit <= 0) return { claimed: [], interrupted };

  const live = new Map<string, number>();
  const leased = (await tx`SELECT endpoint_id, count(*) AS n FROM deliveries
    WHERE status = 'pending' AND lease_until > ${now} AND endpoint_id IS NOT NULL GROUP BY endpoint_id`) as { endpoint_id: string; n: string }[];
  for (const r of leased) live.set(r.endpoint_id, num(r.n));
  const taken = new Map<string, number>();
  const roomOf = (ep: string) =>
    capacity.maxPerEndpoint - Math.max(capacity.inFlight.get(ep) ?? 0, live.get(ep) ?? 0) - (taken.get(ep) ?? 0);
  const full = new Set<string>();
  for (const ep of [...capacity.inFlight.keys(), ...live.keys()]) if (roomOf(ep) <= 0) full.add(ep);

  const picked: DueRow[] = [];
  while (picked.length < limit) {
    const want = limit - picked.length;
    const page = (await tx`SELECT id, endpoint_id, next_attempt_at FROM deliveries
      WHERE status = 'pending' AND next_attempt_at <= ${now}
        AND (endpoint_id IS NULL OR endpoint_id <> ALL(${tx.array([...full], "TEXT")}))
        AND id <> ALL(${tx.array(picked.map((r) => r.id), "TEXT")})
      ORDER BY next_attempt_at, id LIMIT ${want} FOR UPDATE SKIP LOCKED`) as DueRow[];
    const fullBefore = full.size;
    const pickedBefore = picked.length;
    for (const r of page) {
      const ep = r.endpoint_id;
      if (ep !== null && roomOf(ep) <= 0) {
        full.add(ep); // left for a later claim; the next page leaves its endpoint out
        continue;
      }
      if (ep !== null) taken.set(ep, (taken.get(ep) ?? 0) + 1);
      picked.push(r);
    }
    // Done when the due work ran out, or (defensively) when a page changed nothing.
    if (page.length < want || (picked.length === pickedBefore && full.size === fullBefore)) break;
  }
  if (picked.length === 0) return { claimed: [], interrupted };

  // The lease is a due time in the future: a holder that dies gives the delivery back by itself.
  const until = now + req.leaseMs;
  const rows = (await tx`UPDATE deliveries d SET lease_owner = ${req.owner}, lease_until = ${until},
      next_attempt_at = ${until}, leased_at = ${now}
    WHERE d.id = ANY(${tx.array(picked.map((r) => r.id), "TEXT")})
    RETURNING d.*, (SELECT e.payload FROM events e WHERE e.id = d.event_id) AS payload`) as (DeliveryRow & { payload: string })[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Answered in due order (as read), each as leased.
  const claimed = picked.flatMap((p) => {
    const r = byId.get(p.id);
    return r ? [{ delivery: deliveryFromRow(r), payload: r.payload }] : [];
  });
  return { claimed, interrupted };
}
