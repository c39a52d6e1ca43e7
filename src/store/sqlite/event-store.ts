/** The events facet of the SQLite backend: commits events with their deliveries and idempotency keys. */
import { unsentAttempt } from "../../domain/unsent-attempt.ts";
import type { EventCommit, EventCommitOutcome, EventStore } from "../contract.ts";
import type { SqliteParts } from "./parts.ts";

export function createEventStore(parts: SqliteParts): EventStore {
  const { events, deliveries, attempts, idempotency, writes, durable } = parts;

  /** One event, its deliveries and its idempotency key, inside a WriteQueue batch; answers the outcome and the last rowid written. */
  function commitOne(item: EventCommit, now: number): { outcome: EventCommitOutcome; rowid: number } {
    const { event } = item;
    if (item.idempotency) {
      const seen = idempotency.get(event.tenant, item.idempotency.key);
      if (seen) {
        const outcome: EventCommitOutcome =
          seen.request_hash === item.idempotency.requestHash ? { kind: "replayed", response: seen.response } : { kind: "conflict" };
        return { outcome, rowid: 0 };
      }
    }
    events.insert(event, now);
    let rowid = 0;
    for (const d of item.deliveries) {
      const unsent = d.status === "failed";
      rowid = deliveries.insert(d, event, unsent ? 1 : 0, now);
      if (unsent) {
        // Recorded as an attempt too, so the delivery log says why nothing was sent.
        attempts.insert(
          unsentAttempt({
            id: d.unsentAttemptId ?? `${d.id}_unsent`,
            deliveryId: d.id,
            endpointId: d.endpointId,
            n: 1,
            startedAt: now,
            error: d.lastError ?? "endpoint_disabled",
            nextAttemptAt: null,
            isTest: event.isTest,
          }),
          { tenant: event.tenant, createdAt: now },
        );
      }
    }
    if (item.idempotency) {
      idempotency.insert(event.tenant, item.idempotency.key, item.idempotency.requestHash, item.idempotency.response, now);
    }
    return { outcome: { kind: "created" }, rowid };
  }

  return {
    commit({ items, now }) {
      return Promise.all(
        items.map((item) =>
          writes
            .run(() => commitOne(item, now))
            .then(({ outcome, rowid }) => {
              // Answered only once on disk: its deliveries, and all before them, may now be claimed.
              if (rowid > durable.rowid) durable.rowid = rowid;
              return outcome;
            }),
        ),
      );
    },
    async get(id) {
      return events.get(id);
    },
  };
}
