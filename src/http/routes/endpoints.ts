/** /v1/endpoints: webhook subscriptions and their secrets. */
import { Hono } from "hono";
import type { EndpointSchemas } from "../../operations/input/endpoint.ts";
import type { Operations } from "../../operations/operations.ts";
import type { HttpEnv } from "../deps.ts";
import { endpointDeliveriesQuery, endpointListQuery } from "../schemas/list-queries.ts";
import { jsonBody, noBody, optionalJsonBody, queryParams } from "../validate.ts";
import { attemptView, deliveryView, endpointView, page, secretsView } from "../views.ts";

/**
 * The routes; `schemas` are the config's endpoint schemas, shared with the
 * OpenAPI document and the console. Routes that take a body look the
 * endpoint up first, so an unknown id is a 404 whatever the body holds.
 */
export function endpointRoutes(ops: Operations, schemas: EndpointSchemas) {
  const { endpoints } = ops;
  const app = new Hono<HttpEnv>();

  app.post("/", async (c) => {
    const { endpoint, secret } = await endpoints.create(c.get("principal"), await jsonBody(c, schemas.create));
    c.get("log").info({ endpoint_id: endpoint.id, tenant: endpoint.tenant }, "endpoint created");
    return c.json(endpointView(endpoint, secret), 201);
  });

  app.get("/", async (c) => {
    const q = queryParams(c, endpointListQuery);
    return c.json(page(await endpoints.list(c.get("principal"), q), (e) => endpointView(e)));
  });

  app.get("/:id", async (c) => c.json(endpointView(await endpoints.get(c.get("principal"), c.req.param("id")))));

  app.patch("/:id", async (c) => {
    const principal = c.get("principal");
    const id = (await endpoints.get(principal, c.req.param("id"))).id;
    return c.json(endpointView(await endpoints.update(principal, id, await jsonBody(c, schemas.patch))));
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    await noBody(c);
    const removed = await endpoints.remove(c.get("principal"), id);
    c.get("log").info({ endpoint_id: id, failed_deliveries: removed.failedDeliveries }, "endpoint deleted");
    return c.body(null, 204);
  });

  app.post("/:id/disable", async (c) => {
    await noBody(c);
    return c.json(endpointView(await endpoints.disable(c.get("principal"), c.req.param("id"))));
  });

  app.post("/:id/enable", async (c) => {
    await noBody(c);
    return c.json(endpointView(await endpoints.enable(c.get("principal"), c.req.param("id"))));
  });

  app.get("/:id/secret", async (c) => c.json(secretsView(await endpoints.secrets(c.get("principal"), c.req.param("id")))));

  app.post("/:id/rotate-secret", async (c) => {
    const principal = c.get("principal");
    const id = (await endpoints.get(principal, c.req.param("id"))).id;
    const input = await optionalJsonBody(c, schemas.rotate);
    const secrets = await endpoints.rotateSecret(principal, id, input.secret);
    c.get("log").info({ endpoint_id: id }, "endpoint secret rotated");
    return c.json(secretsView(secrets));
  });

  app.post("/:id/test", async (c) => {
    const principal = c.get("principal");
    const id = (await endpoints.get(principal, c.req.param("id"))).id;
    const input = await optionalJsonBody(c, schemas.test);
    const { delivery, attempt } = await ops.testSend.send(principal, id, input.event_type);
    return c.json({ ...attemptView(attempt), delivery_id: delivery.id, event_id: delivery.eventId, event_type: delivery.eventType });
  });

  app.post("/:id/recover", async (c) => {
    const principal = c.get("principal");
    const id = (await endpoints.get(principal, c.req.param("id"))).id;
    const input = await jsonBody(c, schemas.recover);
    const queued = await ops.deliveries.recover(principal, id, input.since);
    c.get("log").info({ endpoint_id: id, since: input.since, queued }, "endpoint recovered");
    return c.json({ queued }, 202);
  });

  app.get("/:id/deliveries", async (c) => {
    const principal = c.get("principal");
    const id = (await endpoints.get(principal, c.req.param("id"))).id;
    const q = queryParams(c, endpointDeliveriesQuery);
    return c.json(page(await ops.deliveries.list(principal, { ...q, endpointId: id }), (d) => deliveryView(d)));
  });

  return app;
}
