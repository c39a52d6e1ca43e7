/** /v1/endpoints: webhook subscriptions and their secrets. */
import { Hono } from "hono";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { notFound } from "../errors.ts";
import { createEndpoint, deleteEndpoint, recoverEndpoint, rotateEndpointSecret } from "../operations.ts";
import { fetchSize, page } from "../pagination.ts";
import { endpointDeliveriesQuery } from "../schemas/delivery.ts";
import { endpointListQuery, type EndpointSchemas } from "../schemas/endpoint.ts";
import { jsonBody, noBody, optionalJsonBody, queryParams } from "../validate.ts";
import { attemptView, deliveryView, endpointView, secretsView } from "../views.ts";

export { MAX_PREVIOUS_SECRETS, ROTATION_OVERLAP_MS } from "../operations.ts";

/** The routes; `schemas` are the config's endpoint schemas, shared with the OpenAPI document. */
export function endpointRoutes(deps: HttpDeps, schemas: EndpointSchemas) {
  const { store, clock } = deps;
  const app = new Hono<HttpEnv>();

  const load = async (id: string) => (await store.endpoints.get(id)) ?? Promise.reject(notFound(`endpoint ${id}`));

  app.post("/", async (c) => {
    const { endpoint, secret } = await createEndpoint(deps, await jsonBody(c, schemas.create));
    c.get("log").info({ endpoint_id: endpoint.id, tenant: endpoint.tenant }, "endpoint created");
    return c.json(endpointView(endpoint, secret), 201);
  });

  app.get("/", async (c) => {
    const q = queryParams(c, endpointListQuery);
    const rows = await store.endpoints.list({ limit: fetchSize(q.limit), before: q.cursor, tenant: q.tenant });
    return c.json(page(rows, q.limit, (e) => endpointView(e)));
  });

  app.get("/:id", async (c) => c.json(endpointView(await load(c.req.param("id")))));

  app.patch("/:id", async (c) => {
    const id = c.req.param("id");
    await load(id);
    const input = await jsonBody(c, schemas.patch);
    const updated = await store.endpoints.update(
      id,
      {
        ...(input.url !== undefined && { url: input.url }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.event_types !== undefined && { eventTypes: input.event_types }),
        ...(input.headers !== undefined && { headers: input.headers }),
        ...(input.metadata !== undefined && { metadata: input.metadata }),
      },
      clock.now(),
    );
    if (!updated) throw notFound(`endpoint ${id}`);
    return c.json(endpointView(updated));
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    await noBody(c);
    const removed = await deleteEndpoint(deps, id);
    c.get("log").info({ endpoint_id: id, failed_deliveries: removed.failedDeliveries }, "endpoint deleted");
    return c.body(null, 204);
  });

  app.post("/:id/disable", async (c) => {
    const id = c.req.param("id");
    await noBody(c);
    const e = await store.endpoints.setState(id, { enabled: false, reason: "manual" }, clock.now());
    if (!e) throw notFound(`endpoint ${id}`);
    return c.json(endpointView(e));
  });

  app.post("/:id/enable", async (c) => {
    const id = c.req.param("id");
    await noBody(c);
    const e = await store.endpoints.setState(id, { enabled: true }, clock.now());
    if (!e) throw notFound(`endpoint ${id}`);
    return c.json(endpointView(e));
  });

  app.get("/:id/secret", async (c) => {
    const id = c.req.param("id");
    await load(id);
    return c.json(secretsView(await store.endpoints.activeSecrets(id, clock.now())));
  });

  app.post("/:id/rotate-secret", async (c) => {
    const id = c.req.param("id");
    await load(id);
    const input = await optionalJsonBody(c, schemas.rotate);
    const secrets = await rotateEndpointSecret(deps, id, input.secret);
    c.get("log").info({ endpoint_id: id }, "endpoint secret rotated");
    return c.json(secretsView(secrets));
  });

  app.post("/:id/test", async (c) => {
    const endpoint = await load(c.req.param("id"));
    const input = await optionalJsonBody(c, schemas.test);
    const { delivery, attempt } = await deps.testSend(endpoint, input.event_type);
    return c.json({ ...attemptView(attempt), delivery_id: delivery.id, event_id: delivery.eventId, event_type: delivery.eventType });
  });

  app.post("/:id/recover", async (c) => {
    const endpoint = await load(c.req.param("id"));
    const input = await jsonBody(c, schemas.recover);
    const queued = await recoverEndpoint(deps, endpoint, input.since);
    c.get("log").info({ endpoint_id: endpoint.id, since: input.since, queued }, "endpoint recovered");
    return c.json({ queued }, 202);
  });

  app.get("/:id/deliveries", async (c) => {
    const endpoint = await load(c.req.param("id"));
    const q = queryParams(c, endpointDeliveriesQuery);
    const rows = await store.deliveries.list({ limit: fetchSize(q.limit), before: q.cursor, status: q.status, endpointId: endpoint.id });
    return c.json(page(rows, q.limit, (d) => deliveryView(d)));
  });

  return app;
}
