/**
 * The claim: which due deliveries a dispatcher leases next, within each
 * endpoint's room. Synchronous; sqlite-store.ts runs it in one immediate
 * transaction on the lease connection.
 */
import type { ClaimedDelivery, EndpointCapacity } from "../contract.ts";
import type { DueDeliveries } from "./due-deliveries.ts";

/** Rows the claim's fast path reads at a time. */
const DUE_PAGE = 64;

export interface ClaimRequest {
  now: number;
  limit: number;
  leaseMs: number;
  owner: string;
  capacity: EndpointCapacity;
  /** Only deliveries at or below this rowid are durable, so claimable. */
  durableRowid: number;
}

/** Earliest due first; ties in creation order (ids sort by creation time). */
function inDueOrder(list: ClaimedDelivery[]): ClaimedDelivery[] {
  return list.sort((a, b) => a.delivery.nextAttemptAt! - b.delivery.nextAttemptAt! || (a.delivery.id < b.delivery.id ? -1 : 1));
}

export function claimDue(due: DueDeliveries, req: ClaimRequest): ClaimedDelivery[] {
  const { now, limit, capacity, durableRowid } = req;
  const lease = { owner: req.owner, until: now + req.leaseMs, at: now };
  const taken = new Map<string, number>();
  /** What was taken, as read (its due time orders the answer). */
  const claimed: ClaimedDelivery[] = [];
  const roomOf = (ep: string) => capacity.maxPerEndpoint - (capacity.inFlight.get(ep) ?? 0) - (taken.get(ep) ?? 0);
  const take = (c: ClaimedDelivery) => {
    const ep = c.delivery.endpointId;
    if (ep !== null) taken.set(ep, (taken.get(ep) ?? 0) + 1);
    due.lease(c.delivery.id, lease);
    claimed.push(c);
  };
  // The copies answered are the rows as leased: due again when the lease ends.
  const answer = () => inDueOrder(claimed).map((c) => ({ ...c, delivery: { ...c.delivery, lease, nextAttemptAt: lease.until } }));
  let anyFull = false;
  for (const [ep] of capacity.inFlight) if (roomOf(ep) <= 0) anyFull = true;
  // Fast path, while no endpoint is at its limit: the earliest due work,
  // whoever it belongs to. It is done when nothing in the window had to be
  // passed over for lack of room. At the first row that must be passed over
  // it hands on to the per-endpoint seeks below: reading on would mostly
  // read that endpoint's backlog (an endpoint with a few slots left and a
  // deep backlog made every claim read 2 × limit rows to take a handful).
  // Read in pages: a taken row is leased, so it leaves the due range and the
  // next page starts after it.
  if (!anyFull) {
    let passedOver = false;
    let more = true;
    while (more && !passedOver && claimed.length < limit) {
      const size = Math.min(DUE_PAGE, limit - claimed.length);
      const page = due.window(now, size, durableRowid);
      const before = claimed.length;
      for (const { rid, endpointId: ep } of page) {
        if (ep !== null && roomOf(ep) <= 0) {
          passedOver = true;
          break;
        }
        const c = due.byRowid(rid);
        if (c) take(c);
      }
      // A row that could not be loaded stays due: without progress, stop rather than read it again.
      more = page.length === size && claimed.length > before;
    }
    if (!passedOver) return answer();
  }
  // Some endpoint is full (often one with a deep backlog): ask each endpoint
  // with room for its earliest due work, by index seeks, so the cost follows
  // the number of endpoints, never the backlog.
  const offers: ClaimedDelivery[] = due.dueFor(null, now, limit - claimed.length, durableRowid);
  for (const ep of due.pendingEndpoints()) {
    const room = Math.min(roomOf(ep), limit - claimed.length);
    if (room > 0) offers.push(...due.dueFor(ep, now, room, durableRowid));
  }
  for (const c of inDueOrder(offers)) {
    if (claimed.length >= limit) break;
    const ep = c.delivery.endpointId;
    if (ep === null || roomOf(ep) > 0) take(c);
  }
  return answer();
}
