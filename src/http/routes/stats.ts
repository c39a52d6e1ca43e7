/** /v1/stats: delivery figures for a window, from the store's rollups. */
import { Hono } from "hono";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { notFound } from "../errors.ts";
import { statsQuerySchema } from "../schemas/stats.ts";
import { statsReportView } from "../stats-view.ts";
import { queryParams } from "../validate.ts";

export function statsRoutes(deps: HttpDeps) {
  const { store, clock } = deps;
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const q = queryParams(c, statsQuerySchema);
    // A deleted endpoint's history is still in the totals, but asking for it by id is asking for an endpoint.
    if (q.endpoint_id !== undefined && !(await store.endpoints.get(q.endpoint_id))) throw notFound(`endpoint ${q.endpoint_id}`);
    const report = await store.stats.report({ window: q.window, tenant: q.tenant, endpointId: q.endpoint_id, now: clock.now() });
    return c.json(statsReportView(report));
  });

  return app;
}
