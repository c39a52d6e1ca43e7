/** The deliveries facet of the PostgreSQL backend: reads, the claim, attempt records, retries and leases. */
import type { DeliveryStore } from "../contract.ts";
import { attemptsOf } from "./attempts.ts";
import { claimDue } from "./claim.ts";
import { cutLeases } from "./leases.ts";
import type { PgClient } from "./pg-client.ts";
import { recordAttempt } from "./record-attempt.ts";
import { deliveryFromRow, numOrNull, type DeliveryRow } from "./rows.ts";
import { announceDue } from "./due-signal.ts";

const MAX_ID = "\uffff";

export function createDeliveryStore(db: PgClient): DeliveryStore {
  return {
    get(id) {
      return db.run(async (sql) => {
        const [row] = (await sql`SELECT * FROM deliveries WHERE id = ${id}`) as DeliveryRow[];
        return row ? deliveryFromRow(row) : null;
      });
    },
    list(q) {
      // Only the filters given, so each combination can use its index.
      const where = ["id < $1"];
      const values: unknown[] = [q.before ?? MAX_ID];
      const filter = (column: string, value: string | undefined) => {
        if (value === undefined) return;
        values.push(value);
        where.push(`${column} = $${values.length}`);
      };
      filter("status", q.status);
      filter("endpoint_id", q.endpointId);
      filter("tenant", q.tenant);
      filter("event_type", q.eventType);
      values.push(q.limit);
      const text = `SELECT * FROM deliveries WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT $${values.length}`;
      return db.run(async (sql) => ((await sql.unsafe(text, values)) as DeliveryRow[]).map(deliveryFromRow));
    },
    forEvent(eventId) {
      return db.run(async (sql) => {
        const rows = (await sql`SELECT * FROM deliveries WHERE event_id = ${eventId} ORDER BY id`) as DeliveryRow[];
        return rows.map(deliveryFromRow);
      });
    },
    attempts(deliveryId) {
      return db.run((sql) => attemptsOf(sql, deliveryId));
    },
    claimDue(p) {
      return db.tx((tx) => claimDue(tx, p));
    },
    earliestDue() {
      return db.run(async (sql) => {
        const [row] = (await sql`SELECT min(next_attempt_at) AS t FROM deliveries WHERE status = 'pending'`) as { t: string | null }[];
        return numOrNull(row?.t ?? null);
      });
    },
    recordAttempt({ record, now }) {
      return db.tx((tx) => recordAttempt(tx, record, now));
    },
    retry({ id, now }) {
      return db.tx(async (tx) => {
        const [row] = (await tx`SELECT status FROM deliveries WHERE id = ${id} FOR UPDATE`) as { status: string }[];
        if (!row) return "not_found" as const;
        if (row.status === "pending") return "pending" as const;
        await tx`UPDATE deliveries SET status = 'pending', next_attempt_at = ${now}, lease_until = NULL, leased_at = NULL,
            lease_owner = NULL, schedule_start = attempt_count, updated_at = ${now} WHERE id = ${id}`;
        await announceDue(tx);
        return "queued" as const;
      });
    },
    recover({ endpointId, since, now }) {
      return db.run(async (sql) => {
        const result = await sql`UPDATE deliveries SET status = 'pending', next_attempt_at = ${now}, lease_until = NULL,
            leased_at = NULL, lease_owner = NULL, schedule_start = attempt_count, updated_at = ${now}
          WHERE endpoint_id = ${endpointId} AND status = 'failed' AND NOT is_test AND created_at >= ${since}`;
        if (result.count > 0) await announceDue(sql);
        return result.count;
      });
    },
    interruptLeases({ owners, now, newAttemptId }) {
      // Waits for rows being written (an attempt being recorded), then cuts only what is still leased.
      return db.tx((tx) => cutLeases(tx, { owners, skipLocked: false }, now, newAttemptId));
    },
    shiftSchedule({ stepMs, writtenBefore }) {
      // Only rows whose times were written before the step (see the SQLite backend's deliveries.ts).
      return db.run(async (sql) => {
        const result = await sql`UPDATE deliveries SET next_attempt_at = next_attempt_at + ${stepMs}::bigint,
            lease_until = lease_until + ${stepMs}::bigint, leased_at = leased_at + ${stepMs}::bigint
          WHERE status = 'pending' AND greatest(updated_at, coalesce(leased_at, updated_at)) <= ${writtenBefore}`;
        return result.count;
      });
    },
  };
}
