/** The periodic-work facet of the PostgreSQL backend: the auto-disable sweep, pruning, job-run claims. */
import type { MaintenanceStore } from "../contract.ts";
import type { PgClient } from "./pg-client.ts";

/** How long a claimed job run is remembered: far longer than any clock skew between processes. */
const JOB_RUN_MEMORY_MS = 24 * 3_600_000;

export function createMaintenanceStore(db: PgClient): MaintenanceStore {
  return {
    claimJobRun({ job, scheduledAt, now }) {
      // The primary key decides: of processes asking at once, one inserts, the others conflict.
      return db.tx(async (tx) => {
        await tx`DELETE FROM job_runs WHERE scheduled_at < ${now - JOB_RUN_MEMORY_MS}`;
        const inserted = await tx`INSERT INTO job_runs (job, scheduled_at, claimed_at) VALUES (${job}, ${scheduledAt}, ${now})
          ON CONFLICT DO NOTHING`;
        return inserted.count > 0;
      });
    },
    autoDisable({ failingBefore, now }) {
      return db.run(async (sql) => {
        const rows = (await sql`UPDATE endpoints SET state = 'disabled', disabled_reason = 'auto_failing', updated_at = ${now}
          WHERE state = 'enabled' AND failing_since IS NOT NULL AND failing_since <= ${failingBefore} RETURNING id`) as { id: string }[];
        return rows.map((r) => r.id);
      });
    },
    pruneEvents({ before, limit }) {
      // Oldest first, and only events none of whose deliveries is still pending; deliveries and attempts cascade.
      return db.run(async (sql) => {
        const result = await sql`DELETE FROM events WHERE id IN (
          SELECT e.id FROM events e WHERE e.created_at < ${before}
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
          ORDER BY e.created_at LIMIT ${limit})`;
        return result.count;
      });
    },
    pruneIdempotencyKeys({ before }) {
      return db.run(async (sql) => (await sql`DELETE FROM idempotency_keys WHERE created_at < ${before}`).count);
    },
    pruneStats() {
      // Stats are read from the attempts and deliveries themselves (stats.ts): no rows of their own to prune.
      return db.run(async () => 0);
    },
  };
}
