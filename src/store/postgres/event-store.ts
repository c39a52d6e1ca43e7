/**
 * The events facet of the PostgreSQL backend: one transaction per commit
 * call, its items in order. Idempotency rests on the (tenant, key) primary
 * key: the key is inserted first, ON CONFLICT DO NOTHING, so a second
 * commit of a key (any connection, any process) waits for the first, then
 * finds the key and answers replayed or conflict without writing its event.
 */
import { unsentAttempt } from "../../domain/unsent-attempt.ts";
import type { EventCommit, EventCommitOutcome, EventStore } from "../contract.ts";
import { insertAttempts } from "./attempts.ts";
import type { PgClient, Tx } from "./pg-client.ts";
import { eventFromRow, type EventRow } from "./rows.ts";
import { announceDue } from "./due-signal.ts";

/** Claims the key for this commit, or answers what the first commit of it said. */
async function claimKey(tx: Tx, tenant: string, k: NonNullable<EventCommit["idempotency"]>, now: number): Promise<EventCommitOutcome | null> {
  // A key pruned between the insert and the read is simply tried again.
  for (let i = 0; i < 3; i++) {
    const inserted = await tx`INSERT INTO idempotency_keys (tenant, key, request_hash, response, created_at)
      VALUES (${tenant}, ${k.key}, ${k.requestHash}, ${k.response}, ${now}) ON CONFLICT (tenant, key) DO NOTHING RETURNING 1`;
    if (inserted.length > 0) return null;
    const [seen] = (await tx`SELECT request_hash, response FROM idempotency_keys
      WHERE tenant = ${tenant} AND key = ${k.key}`) as { request_hash: string; response: string }[];
    if (seen) return seen.request_hash === k.requestHash ? { kind: "replayed", response: seen.response } : { kind: "conflict" };
  }
  return { kind: "conflict" };
}

async function commitOne(tx: Tx, item: EventCommit, now: number): Promise<EventCommitOutcome> {
  const { event } = item;
  if (item.idempotency) {
    const seen = await claimKey(tx, event.tenant, item.idempotency, now);
    if (seen) return seen;
  }
  await tx`INSERT INTO events (id, tenant, type, payload, occurred_at, callback_url, is_test, created_at)
    VALUES (${event.id}, ${event.tenant}, ${event.type}, ${event.payload}, ${event.occurredAt}, ${event.callbackUrl}, ${event.isTest}, ${now})`;
  if (item.deliveries.length === 0) return { kind: "created" };
  const rows = item.deliveries.map((d) => {
    const pending = d.status === "pending";
    const lease = pending ? d.lease : null;
    return {
      id: d.id,
      event_id: event.id,
      tenant: event.tenant,
      event_type: event.type,
      endpoint_id: d.endpointId,
      url: d.url,
      status: d.status,
      attempt_count: pending ? 0 : 1,
      next_attempt_at: pending ? d.dueAt : null,
      lease_owner: lease?.owner ?? null,
      lease_until: lease?.until ?? null,
      leased_at: lease ? now : null,
      last_error: d.lastError,
      is_test: event.isTest,
      created_at: now,
      updated_at: now,
    };
  });
  await tx`INSERT INTO deliveries ${tx(rows)}`;
  // A delivery created failed gets its endpoint_disabled attempt, so the log says why nothing was sent.
  const unsent = item.deliveries.filter((d) => d.status === "failed");
  await insertAttempts(
    tx,
    unsent.map((d) => ({
      attempt: unsentAttempt({
        id: d.unsentAttemptId ?? `${d.id}_unsent`,
        deliveryId: d.id,
        endpointId: d.endpointId,
        n: 1,
        startedAt: now,
        error: d.lastError ?? "endpoint_disabled",
        nextAttemptAt: null,
        isTest: event.isTest,
      }),
      tenant: event.tenant,
      deliveryCreatedAt: now,
    })),
  );
  return { kind: "created" };
}

export function createEventStore(db: PgClient): EventStore {
  return {
    commit({ items, now }) {
      // Committed before it is answered: a 202 means the rows are in PostgreSQL.
      return db.tx(async (tx) => {
        const outcomes: EventCommitOutcome[] = [];
        for (const item of items) outcomes.push(await commitOne(tx, item, now));
        // Every process's dispatcher hears of the new work when this commits.
        const due = items.some((item, i) => outcomes[i]!.kind === "created" && item.deliveries.some((d) => d.status === "pending" && d.lease === null));
        if (due) await announceDue(tx);
        return outcomes;
      });
    },
    get(id) {
      return db.run(async (sql) => {
        const [row] = (await sql`SELECT * FROM events WHERE id = ${id}`) as EventRow[];
        return row ? eventFromRow(row) : null;
      });
    },
  };
}
