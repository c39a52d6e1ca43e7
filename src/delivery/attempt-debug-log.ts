/**
 * One debug line per recorded attempt. Only at debug: a failing endpoint's
 * warn lines are the failure log's (failure-log.ts), one per streak and interval.
 */
import type { Logger } from "../log.ts";
import type { AttemptRecord } from "../store/contract.ts";

export function logAttemptAtDebug(log: Logger, { attempt, delivery, next }: AttemptRecord): void {
  if (attempt.error === null) {
    log.debug({ delivery_id: attempt.deliveryId, attempt: attempt.n, status: attempt.statusCode, duration_ms: attempt.durationMs }, "attempt succeeded");
    return;
  }
  log.debug(
    { delivery_id: attempt.deliveryId, endpoint_id: delivery.endpointId, attempt: attempt.n, error: attempt.error, status: attempt.statusCode, next: next.status },
    "attempt failed",
  );
}
