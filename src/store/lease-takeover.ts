/**
 * Start-up after a crash: what to do with the leases a dead process left.
 * Synchronous; sqlite-store.ts runs it inside one write transaction.
 */
import { unsentAttempt, type AttemptTable } from "./attempts.ts";
import type { DeliveryTable } from "./deliveries.ts";
import type { InterruptedAttempt } from "./types.ts";

/**
 * The attempts a dead process was making when it died, recorded as failed
 * with "interrupted": whether the request reached the subscriber is
 * unknown, so the delivery is made again at once (at least once); the retry
 * schedule continues from the counted attempt. The endpoint's health is left
 * alone: the cut was hookgate's crash, not the endpoint's answer. The
 * duration is from the lease start to now, at most the lease (longer than
 * any attempt may run): an upper bound, since when the crash came is unknown.
 * Databases from before "interrupted" keep such attempts as
 * "connection_reset": history is left as it was written.
 */
export function takeOverLeases(deliveries: DeliveryTable, attempts: AttemptTable, now: number, newAttemptId: () => string): InterruptedAttempt[] {
  const left = deliveries.leftLeases();
  const recorded: InterruptedAttempt[] = [];
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
        error: "interrupted",
        nextAttemptAt: next,
        isTest: lease.isTest,
      }),
      lease,
    );
    deliveries.cut(lease.id, next, now);
    recorded.push({ deliveryId: lease.id, endpointId: lease.endpointId, isTest: lease.isTest });
  }
  return recorded;
}
