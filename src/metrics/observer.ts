/**
 * What the delivery engine tells the metrics (and the failure log) about, at
 * the source: ingest, the dispatcher and the endpoint routes take this
 * narrow interface instead of importing a registry, so they stay testable
 * and free of metric names.
 */
import type { AttemptRecord, InterruptedAttempt } from "../store/contract.ts";

export interface DeliveryObserver {
  /** A new event was committed (not a replay, not a test send); `disabledDeliveries` of its deliveries were created failed (endpoint_disabled). */
  eventAccepted(disabledDeliveries: number): void;
  /** An attempt and the delivery's next state were committed. Test sends may come through here; the observer leaves them out. */
  attemptRecorded(record: AttemptRecord): void;
  /** At start-up, the attempts the previous run was making when it ended were recorded "interrupted" (no AttemptRecord: the store wrote them). */
  attemptsInterrupted(attempts: InterruptedAttempt[]): void;
  /** An endpoint was deleted and `failedDeliveries` of its pending deliveries ended failed (endpoint_deleted). */
  endpointDeleted(endpointId: string, failedDeliveries: number): void;
}

/** Observes nothing; the default where no metrics are wanted (tests of other parts). */
export const noObserver: DeliveryObserver = {
  eventAccepted() {},
  attemptRecorded() {},
  attemptsInterrupted() {},
  endpointDeleted() {},
};

/** One observer that tells each of `observers`, in order. */
export function observeAll(...observers: DeliveryObserver[]): DeliveryObserver {
  return {
    eventAccepted: (n) => observers.forEach((o) => o.eventAccepted(n)),
    attemptRecorded: (record) => observers.forEach((o) => o.attemptRecorded(record)),
    attemptsInterrupted: (list) => observers.forEach((o) => o.attemptsInterrupted(list)),
    endpointDeleted: (id, n) => observers.forEach((o) => o.endpointDeleted(id, n)),
  };
}
