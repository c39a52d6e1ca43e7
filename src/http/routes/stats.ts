/** /v1/stats: delivery figures for a window, from the store's rollups. */
import { Hono } from "hono";
import type { Operations } from "../../operations/operations.ts";
import type { HttpEnv } from "../deps.ts";
import { statsQuerySchema } from "../schemas/stats.ts";
import { statsReportView } from "../stats-view.ts";
import { queryParams } from "../validate.ts";

export function statsRoutes(ops: Operations) {
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const q = queryParams(c, statsQuerySchema);
    const report = await ops.stats.report(c.get("principal"), { window: q.window, tenant: q.tenant, endpointId: q.endpoint_id });
    return c.json(statsReportView(report));
  });

  return app;
}
