/**
 * Start-up after a crash: what to do with the leases a dead process left.
 * Synchronous; sqlite-store.ts runs it inside one write transaction.
 */
import { unsentAttempt, type AttemptTable } from "./attempts.ts";
import type { DeliveryTable } from "./deliveries.ts";

/**
 * The attempts a dead process was making when it died, recorded as failed
 * with "connection_reset": API.md's list of attempt errors is closed, and
 * from the subscriber's side a crash mid-request is exactly a reset
 * connection. Whether the request reached the subscriber is unknown, so the
 * delivery is made again at once (at least once); the retry schedule
 * continues from the counted attempt. The endpoint's health is left alone:
 * the cut was hookgate's crash, not the endpoint's answer. The duration is
 * from the lease start to now, at most the lease (longer than any attempt
 * may run): an upper bound, since when the crash came is unknown.
 */
export function takeOverLeases(deliveries: DeliveryTable, attempts: AttemptTable, now: number, newAttemptId: () => string): number {
  const left = deliveries.leftLeases();
  for (const lease of left) {
    const next = lease.isTest ? null : now;
    attempts.insert(
      unsentAttempt({
        id: newAttemptId(),
        deliveryId: lease.id,
        endpointId: lease.endpointId,
        n: lease.attemptCount + 1,
        startedAt: lease.leasedAt ?? now,
        durationMs: lease.leasedAt === null ? 0 : Math.max(0, Math.min(now, lease.leaseUntil) - lease.leasedAt),
        error: "connection_reset",
        nextAttemptAt: next,
        isTest: lease.isTest,
      }),
      lease,
    );
    deliveries.cut(lease.id, next, now);
  }
  return left.length;
}
