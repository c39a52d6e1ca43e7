/** The periodic-work facet of the SQLite backend: auto-disable sweep, pruning, job-run claims. */
import type { MaintenanceStore } from "../contract.ts";
import type { SqliteParts } from "./parts.ts";

/** How long a claimed job run is remembered: far longer than any clock skew between callers. */
const JOB_RUN_MEMORY_MS = 24 * 3_600_000;

export function createMaintenanceStore(parts: SqliteParts): MaintenanceStore {
  const { db, endpoints, events, idempotency, statsTable, writes, tenantCache } = parts;
  const claimRun = db.query("INSERT OR IGNORE INTO job_runs (job, scheduled_at, claimed_at) VALUES ($job, $scheduled_at, $now)");
  const forgetRuns = db.query("DELETE FROM job_runs WHERE scheduled_at < $before");
  return {
    claimJobRun({ job, scheduledAt, now }) {
      return writes.run(() => {
        forgetRuns.run({ before: now - JOB_RUN_MEMORY_MS });
        return claimRun.run({ job, scheduled_at: scheduledAt, now }).changes > 0;
      });
    },
    async autoDisable({ failingBefore, now }) {
      const ids = await writes.run(() => {
        const found = endpoints.failingSince(failingBefore);
        for (const id of found) endpoints.disable(id, "auto_failing", now);
        if (found.length > 0) tenantCache.clear();
        return found;
      });
      return ids;
    },
    pruneEvents({ before, limit }) {
      return writes.run(() => events.prune(before, limit));
    },
    pruneIdempotencyKeys({ before }) {
      return writes.run(() => idempotency.prune(before));
    },
    pruneStats({ now }) {
      return writes.run(() => statsTable.prune(now));
    },
  };
}
