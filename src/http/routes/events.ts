/** /v1/events: ingest (single and batch) and the event view. */
import { Hono } from "hono";
import type { EventInput, Ingest, IngestResult } from "../../ingest/ingest.ts";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { conflict, notFound, validationFailed } from "../errors.ts";
import { idempotencyKeySchema, type EventSchemas } from "../schemas/event.ts";
import { jsonBody, parseWith } from "../validate.ts";
import { eventView } from "../views.ts";

type EventBody = { type: string; tenant: string; data: Record<string, unknown>; timestamp?: number | undefined; callback_url?: string | undefined };

function toInput(e: EventBody, idempotencyKey: string | undefined): EventInput {
  return { type: e.type, tenant: e.tenant, data: e.data, timestamp: e.timestamp, callbackUrl: e.callback_url, idempotencyKey };
}

/** The routes; `schemas` are the config's event schemas, shared with the OpenAPI document. */
export function eventRoutes(deps: HttpDeps, ingest: Ingest, schemas: EventSchemas) {
  const { store } = deps;
  const app = new Hono<HttpEnv>();

  app.post("/", async (c) => {
    const header = c.req.header("idempotency-key");
    const key = header === undefined ? undefined : parseWith(idempotencyKeySchema, header);
    const body = await jsonBody(c, schemas.event);
    const [result] = (await ingest.accept([toInput(body, key)])) as [IngestResult];
    if (result.kind === "conflict") {
      throw conflict(`Idempotency-Key "${result.key}" was already used with a different request body`);
    }
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, 202);
  });

  app.post("/batch", async (c) => {
    if (c.req.header("idempotency-key") !== undefined) {
      throw validationFailed([{ path: "Idempotency-Key", message: "not taken by /v1/events/batch; give each event an idempotency_key" }]);
    }
    const body = await jsonBody(c, schemas.batch);
    const results = await ingest.accept(body.events.map((e) => toInput(e, e.idempotency_key)));
    return c.json(
      {
        data: results.map((r) =>
          r.kind === "accepted"
            ? { ...r.body, ...(r.replayed ? { replayed: true } : {}) }
            : conflict(`idempotency_key "${r.key}" was already used with a different event`).toJSON(),
        ),
      },
      202,
    );
  });

  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const event = await store.events.get(id);
    if (!event) throw notFound(`event ${id}`);
    return c.json(eventView(event, await store.deliveries.forEvent(id)));
  });

  return app;
}
