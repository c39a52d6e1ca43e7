/** The deliveries facet of the SQLite backend: the claim, attempt records, retries and leases. */
import type { DisabledReason } from "../../domain/model.ts";
import type { AttemptRecord, DeliveryStore, EndpointTransition } from "../contract.ts";
import { claimDue } from "./claim.ts";
import { interruptLeases } from "./interrupted-leases.ts";
import type { SqliteParts } from "./parts.ts";

export function createDeliveryStore(parts: SqliteParts): DeliveryStore {
  const { deliveries, attempts, endpoints, due, leaseDb, writes, tenantCache, durable } = parts;

  /** The attempt row, the delivery's next state and the endpoint's health; inside a WriteQueue batch. */
  function recordOne(record: AttemptRecord, now: number): { endpoint: EndpointTransition | null } {
    const { attempt, delivery, next, lastError, health } = record;
    attempts.insert({ ...attempt, endpointId: delivery.endpointId, isTest: delivery.isTest }, delivery);
    deliveries.finish(delivery, next.status, next.status === "pending" ? next.at : null, next.status === "succeeded" ? null : lastError, now);
    const endpointId = delivery.endpointId;
    if (health === null || endpointId === null) return { endpoint: null };
    if (health.success) {
      const ended = endpoints.recordSuccess(endpointId, now);
      if (!ended) return { endpoint: null };
      const recovered = ended.endedStreakSince === null ? null : { failingSince: ended.endedStreakSince };
      return { endpoint: { endpointId, startedFailing: false, recovered, disabled: null } };
    }
    const streak = endpoints.recordFailure(endpointId, attempt.startedAt);
    if (!streak) return { endpoint: null };
    let disabled: DisabledReason | null = null;
    if (streak.enabled) {
      if (health.disable !== null) disabled = health.disable;
      else if (health.disableIfFailingBefore !== null && streak.failingSince <= health.disableIfFailingBefore) disabled = "auto_failing";
      if (disabled !== null) {
        endpoints.disable(endpointId, disabled, now);
        tenantCache.clear();
      }
    }
    return { endpoint: { endpointId, startedFailing: streak.startedStreak, recovered: null, disabled } };
  }

  return {
    async get(id) {
      return deliveries.get(id);
    },
    async list(query) {
      return deliveries.list(query);
    },
    async forEvent(eventId) {
      return deliveries.forEvent(eventId);
    },
    async attempts(deliveryId) {
      return attempts.forDelivery(deliveryId);
    },
    async claimDue({ now, limit, leaseMs, owner, capacity, newAttemptId }) {
      parts.assertOpen();
      // A lease that ran out was cut off: its attempt is recorded (and
      // counted) through the write queue before the delivery is leased again.
      const interrupted = due.anyLeaseExpired(now)
        ? await writes.run(() => interruptLeases(deliveries, attempts, { owners: "all", expiredBy: now }, now, newAttemptId))
        : [];
      parts.assertOpen();
      const claimed = leaseDb.transaction(() => claimDue(due, { now, limit, leaseMs, owner, capacity, durableRowid: durable.rowid })).immediate();
      return { claimed, interrupted };
    },
    async earliestDue() {
      return due.earliestDue();
    },
    recordAttempt({ record, now }) {
      // Not waiting for the fsync: losing this record to a power cut only
      // means the attempt is made again (the delivery is still pending and
      // due on disk), which at-least-once delivery allows. The next durable
      // write's fsync, or the checkpoint within a second (it syncs the WAL
      // first), makes it durable anyway.
      return writes.run(() => recordOne(record, now), { durable: false });
    },
    async retry({ id, now }) {
      parts.assertOpen();
      const d = deliveries.get(id);
      if (!d) return "not_found";
      if (d.status === "pending") return "pending";
      return (await writes.run(() => deliveries.requeue(id, now))) ? "queued" : "pending";
    },
    recover({ endpointId, since, now }) {
      return writes.run(() => deliveries.recover(endpointId, since, now));
    },
    interruptLeases({ owners, now, newAttemptId }) {
      return writes.run(() => interruptLeases(deliveries, attempts, { owners }, now, newAttemptId));
    },
    shiftSchedule({ stepMs, writtenBefore }) {
      return writes.run(() => deliveries.shift(stepMs, writtenBefore));
    },
  };
}
