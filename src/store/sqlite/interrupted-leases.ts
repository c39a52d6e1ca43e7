/**
 * Dead leases: the attempts their holders were making when they died (or
 * stalled past the lease), recorded as failed with "interrupted". Whether
 * the request reached the subscriber is unknown, so the delivery is made
 * again at once (at least once); the retry schedule continues from the
 * counted attempt. A test send ends failed instead: test sends are never
 * retried. The endpoint's health is left alone: the cut was hookgate's, not
 * the endpoint's answer. The duration is from the lease start to now, at
 * most the lease (longer than any attempt may run): an upper bound, since
 * when the cut came is unknown. Databases from before "interrupted" keep such
 * attempts as "connection_reset": history is left as it was written.
 * Synchronous; sqlite-store.ts runs it inside one write transaction.
 */
import { unsentAttempt } from "../../domain/unsent-attempt.ts";
import type { InterruptedAttempt } from "../contract.ts";
import type { AttemptTable } from "./attempts.ts";
import type { DeliveryTable, LeaseFilter } from "./deliveries.ts";

/** Records each dead lease's attempt as interrupted and ends the lease; answers the attempts recorded. */
export function interruptLeases(
  deliveries: DeliveryTable,
  attempts: AttemptTable,
  filter: LeaseFilter,
  now: number,
  newAttemptId: () => string,
): InterruptedAttempt[] {
  const dead = deliveries.leases(filter);
  for (const lease of dead) {
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
    deliveries.endInterrupted(lease.id, next, now);
  }
  return dead.map((l) => ({ deliveryId: l.id, endpointId: l.endpointId, isTest: l.isTest }));
}
