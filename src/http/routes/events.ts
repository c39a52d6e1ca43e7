/** /v1/events: ingest (single and batch) and the event view. */
import { Hono } from "hono";
import { Conflict, Invalid } from "../../domain/errors.ts";
import type { EventInput, IngestResult } from "../../operations/events.ts";
import type { Operations } from "../../operations/operations.ts";
import { parseInput } from "../../operations/input/parse.ts";
import type { HttpEnv } from "../deps.ts";
import { apiErrorFor } from "../errors.ts";
import { idempotencyKeySchema, type EventSchemas } from "../schemas/event.ts";
import { jsonBody } from "../validate.ts";
import { eventView } from "../views.ts";

type EventBody = { type: string; tenant: string; data: Record<string, unknown>; timestamp?: number | undefined; callback_url?: string | undefined };

function toInput(e: EventBody, idempotencyKey: string | undefined): EventInput {
  return { type: e.type, tenant: e.tenant, data: e.data, timestamp: e.timestamp, callbackUrl: e.callback_url, idempotencyKey };
}

/** The routes; `schemas` are the config's event schemas, shared with the OpenAPI document. */
export function eventRoutes(ops: Operations, schemas: EventSchemas) {
  const { events } = ops;
  const app = new Hono<HttpEnv>();

  app.post("/", async (c) => {
    const header = c.req.header("idempotency-key");
    const key = header === undefined ? undefined : parseInput(idempotencyKeySchema, header);
    const body = await jsonBody(c, schemas.event);
    const [result] = (await events.ingest(c.get("principal"), [toInput(body, key)])) as [IngestResult];
    // The conflict is worded here: only the API knows the key came in a header.
    if (result.kind === "conflict") throw new Conflict(`Idempotency-Key "${result.key}" was already used with a different request body`);
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json(result.body, 202);
  });

  app.post("/batch", async (c) => {
    if (c.req.header("idempotency-key") !== undefined) {
      throw new Invalid([{ path: "Idempotency-Key", message: "not taken by /v1/events/batch; give each event an idempotency_key" }]);
    }
    const body = await jsonBody(c, schemas.batch);
    const results = await events.ingest(c.get("principal"), body.events.map((e) => toInput(e, e.idempotency_key)));
    return c.json(
      {
        data: results.map((r) =>
          r.kind === "accepted"
            ? { ...r.body, ...(r.replayed ? { replayed: true } : {}) }
            : apiErrorFor(new Conflict(`idempotency_key "${r.key}" was already used with a different event`)).toJSON(),
        ),
      },
      202,
    );
  });

  app.get("/:id", async (c) => {
    const { event, deliveries } = await events.get(c.get("principal"), c.req.param("id"));
    return c.json(eventView(event, deliveries));
  });

  return app;
}
