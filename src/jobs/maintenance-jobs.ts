/**
 * The jobs hookgate runs: lease recovery, the auto-disable sweep and
 * retention pruning. Each only calls store functions (and the dispatcher's
 * wake). A backend's own chores (SQLite's checkpoints and stats folds) are
 * the backend's, not jobs.
 */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/contract.ts";
import type { Job } from "./scheduler.ts";

/** Idempotency keys are kept at least this long, whatever retention.keep says. */
export const IDEMPOTENCY_MIN_KEEP_MS = 24 * 3_600_000;
const PRUNE_BATCH = 5000;

export function maintenanceJobs(deps: { store: Store; clock: Clock; config: Config; log: Logger; wake: () => void }): Job[] {
  const { store, clock, config, log } = deps;
  return [
    {
      // A lease is a due time, so an expired one is due work; this wake is
      // the backstop in case a timer was lost, not the mechanism.
      id: "recover-leases",
      pattern: "*/30 * * * * *",
      scope: "process",
      run: async () => deps.wake(),
    },
    {
      // Failures disable endpoints as they happen; the sweep catches endpoints
      // whose traffic stopped while they were failing.
      id: "auto-disable",
      pattern: "0 * * * * *",
      scope: "cluster",
      run: async () => {
        const after = config.delivery.auto_disable_after;
        if (after === 0) return;
        const now = clock.now();
        const disabled = await store.maintenance.autoDisable({ failingBefore: now - after, now });
        for (const id of disabled) log.warn({ endpoint_id: id, failing_for_ms: after }, "endpoint disabled: failing too long");
      },
    },
    {
      id: "prune",
      pattern: "0 17 * * * *",
      scope: "cluster",
      run: async () => {
        const now = clock.now();
        // In batches, so one long delete never holds the writer for long.
        let events = 0;
        let n: number;
        do {
          n = await store.maintenance.pruneEvents({ before: now - config.retention.keep, limit: PRUNE_BATCH });
          events += n;
        } while (n === PRUNE_BATCH);
        const keys = await store.maintenance.pruneIdempotencyKeys({ before: now - Math.max(config.retention.keep, IDEMPOTENCY_MIN_KEEP_MS) });
        // Rollups have their own horizon (the longest stats window), whatever retention.keep says.
        const rollups = await store.maintenance.pruneStats({ now });
        if (events + keys + rollups > 0) log.info({ events, idempotency_keys: keys, stats_rollups: rollups }, "pruned");
      },
    },
  ];
}
