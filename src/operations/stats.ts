/** The delivery figures: the stats report for a window, and the backlog now. */
import type { BacklogSnapshot, StatsReport, StatsWindow } from "../domain/model.ts";
import type { OperationDeps } from "./deps.ts";
import type { EndpointOperations } from "./endpoints.ts";
import type { Principal } from "./principal.ts";
import { requireAdmin, tenantFilter } from "./scope.ts";

export type StatsOperations = ReturnType<typeof statsOperations>;

export function statsOperations(deps: OperationDeps, endpoints: EndpointOperations) {
  const { store, clock } = deps;
  return {
    /** Totals and one row per endpoint over the window ending now, optionally for one tenant or one endpoint. */
    async report(principal: Principal, query: { window: StatsWindow; tenant?: string | undefined; endpointId?: string | undefined }): Promise<StatsReport> {
      // A deleted endpoint's history is still in the totals, but asking for it by id is asking for an endpoint.
      if (query.endpointId !== undefined) await endpoints.get(principal, query.endpointId);
      return store.stats.report({ window: query.window, tenant: tenantFilter(principal, query.tenant), endpointId: query.endpointId, now: clock.now() });
    },

    /** Pending work and the endpoints failing now, across every tenant: for the operator's dashboard. */
    async backlog(principal: Principal): Promise<BacklogSnapshot> {
      requireAdmin(principal);
      return store.stats.backlog();
    },
  };
}
