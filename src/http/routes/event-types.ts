/** /v1/event-types: the configured catalog, so UIs and clients can offer the choices. */
import { Hono } from "hono";
import type { Operations } from "../../operations/operations.ts";
import type { HttpEnv } from "../deps.ts";

export function eventTypeRoutes(ops: Operations) {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => c.json({ data: ops.eventTypes.list(c.get("principal")), next_cursor: null }));
  return app;
}
