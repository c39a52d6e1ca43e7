/** /v1/deliveries: the delivery log, one delivery with every attempt, and retry. */
import { Hono } from "hono";
import type { Operations } from "../../operations/operations.ts";
import type { HttpEnv } from "../deps.ts";
import { deliveryListQuery } from "../schemas/list-queries.ts";
import { noBody, queryParams } from "../validate.ts";
import { deliveryView, page } from "../views.ts";

export function deliveryRoutes(ops: Operations) {
  const { deliveries } = ops;
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const q = queryParams(c, deliveryListQuery);
    const filter = { limit: q.limit, cursor: q.cursor, status: q.status, endpointId: q.endpoint_id, tenant: q.tenant, eventType: q.event_type };
    return c.json(page(await deliveries.list(c.get("principal"), filter), (d) => deliveryView(d)));
  });

  app.get("/:id", async (c) => {
    const { delivery, attempts } = await deliveries.get(c.get("principal"), c.req.param("id"));
    return c.json(deliveryView(delivery, attempts));
  });

  app.post("/:id/retry", async (c) => {
    await noBody(c);
    return c.json(deliveryView(await deliveries.retry(c.get("principal"), c.req.param("id"))), 202);
  });

  return app;
}
