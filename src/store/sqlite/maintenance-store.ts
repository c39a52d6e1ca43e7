/** The periodic-work facet of the SQLite backend: auto-disable sweep and pruning. */
import type { MaintenanceStore } from "../contract.ts";
import type { SqliteParts } from "./parts.ts";

export function createMaintenanceStore(parts: SqliteParts): MaintenanceStore {
  const { endpoints, events, idempotency, statsTable, writes, tenantCache } = parts;
  return {
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
