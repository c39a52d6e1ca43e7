/**
 * The claim: which due deliveries a dispatcher leases next, within each
 * endpoint's room, for every process on the database at once.
 *
 * Claims take turns under one advisory lock, held to the commit: each then
 * counts the live leases the claims before it left, so an endpoint's room
 * (maxPerEndpoint minus the larger of this process's in-flight count and
 * its live leases in the database) holds for all processes together. A
 * claim is a few short statements, so taking turns costs little; rows that
 * another kind of writer holds are skipped, not waited for (FOR UPDATE
 * SKIP LOCKED, in the lease).
 *
 * Fast path, while no endpoint is out of room: the earliest due work,
 * whoever it belongs to. At the first row that must be passed over for lack
 * of room it hands on to per-endpoint seeks, as the SQLite backend does:
 * reading on would mostly read that endpoint's backlog, and one endpoint's
 * backlog must not hide (or slow) the due work of others.
 */
import type { ClaimedDelivery, EndpointCapacity, InterruptedAttempt } from "../contract.ts";
import { LOCKS } from "./advisory-locks.ts";
import { earliestDue, lease, liveLeases, offersByEndpoint, type DueRow } from "./due-deliveries.ts";
import { cutLeases } from "./leases.ts";
import type { Tx } from "./pg-client.ts";

export interface ClaimRequest {
  now: number;
  limit: number;
  leaseMs: number;
  owner: string;
  capacity: EndpointCapacity;
  newAttemptId: () => string;
}

/** Runs inside one transaction (delivery-store.ts): the lease cut, the reads and the leases commit together. */
export async function claimDue(tx: Tx, req: ClaimRequest): Promise<{ claimed: ClaimedDelivery[]; interrupted: InterruptedAttempt[] }> {
  const { now, limit, capacity } = req;
  await tx`SELECT pg_advisory_xact_lock(${LOCKS.namespace}, ${LOCKS.claim})`;
  // A lease that ran out was cut off: its attempt is recorded, and the delivery is due now, claimed below.
  const interrupted = await cutLeases(tx, { owners: "all", expiredBy: now, skipLocked: true }, now, req.newAttemptId);
  if (limit <= 0) return { claimed: [], interrupted };

  const live = await liveLeases(tx, now);
  const taken = new Map<string, number>();
  const roomOf = (ep: string) =>
    capacity.maxPerEndpoint - Math.max(capacity.inFlight.get(ep) ?? 0, live.get(ep) ?? 0) - (taken.get(ep) ?? 0);
  const picked: DueRow[] = [];
  const take = (r: DueRow) => {
    if (r.endpoint_id !== null) taken.set(r.endpoint_id, (taken.get(r.endpoint_id) ?? 0) + 1);
    picked.push(r);
  };
  const known = () => new Set([...capacity.inFlight.keys(), ...live.keys(), ...taken.keys()]);

  let passedOver = [...known()].some((ep) => roomOf(ep) <= 0);
  if (!passedOver) {
    for (const r of await earliestDue(tx, now, limit)) {
      if (r.endpoint_id !== null && roomOf(r.endpoint_id) <= 0) {
        passedOver = true;
        break;
      }
      take(r);
    }
  }
  if (passedOver && picked.length < limit) {
    const rooms = new Map([...known()].map((ep) => [ep, roomOf(ep)]));
    const full = new Set([...rooms].filter(([, room]) => room <= 0).map(([ep]) => ep));
    const offers = await offersByEndpoint(tx, {
      now,
      limit: limit - picked.length,
      maxPerEndpoint: capacity.maxPerEndpoint,
      rooms,
      full,
      picked: picked.map((r) => r.id),
    });
    for (const r of offers) if (r.endpoint_id === null || roomOf(r.endpoint_id) > 0) take(r);
  }
  if (picked.length === 0) return { claimed: [], interrupted };

  const leased = await lease(
    tx,
    picked.map((r) => r.id),
    { owner: req.owner, now, until: now + req.leaseMs },
  );
  // Answered in due order (as read: ties by id), each as leased.
  const order = (a: DueRow, b: DueRow) => Number(a.next_attempt_at) - Number(b.next_attempt_at) || (a.id < b.id ? -1 : 1);
  const claimed = picked.sort(order).flatMap((r) => {
    const c = leased.get(r.id);
    return c ? [c] : [];
  });
  return { claimed, interrupted };
}
