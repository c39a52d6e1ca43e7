/** /v1/deliveries: the delivery log, one delivery with every attempt, and retry. */
import { Hono } from "hono";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { notFound } from "../errors.ts";
import { retryDelivery } from "../operations.ts";
import { fetchSize, page } from "../pagination.ts";
import { deliveryListQuery } from "../schemas/delivery.ts";
import { noBody, queryParams } from "../validate.ts";
import { deliveryView } from "../views.ts";

export function deliveryRoutes(deps: HttpDeps, wake: () => void) {
  const { store, clock } = deps;
  const app = new Hono<HttpEnv>();

  app.get("/", async (c) => {
    const q = queryParams(c, deliveryListQuery);
    const rows = await store.deliveries.list({
      limit: fetchSize(q.limit),
      before: q.cursor,
      status: q.status,
      endpointId: q.endpoint_id,
      tenant: q.tenant,
      eventType: q.event_type,
    });
    return c.json(page(rows, q.limit, (d) => deliveryView(d)));
  });

  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const delivery = await store.deliveries.get(id);
    if (!delivery) throw notFound(`delivery ${id}`);
    return c.json(deliveryView(delivery, await store.deliveries.attempts(id)));
  });

  app.post("/:id/retry", async (c) => {
    const id = c.req.param("id");
    await noBody(c);
    return c.json(deliveryView(await retryDelivery({ ...deps, wake }, id)), 202);
  });

  return app;
}
