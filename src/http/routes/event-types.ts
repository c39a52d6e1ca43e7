/** /v1/event-types: the configured catalog, so UIs and clients can offer the choices. */
import { Hono } from "hono";
import type { HttpDeps, HttpEnv } from "../deps.ts";

export function eventTypeRoutes(deps: HttpDeps) {
  const app = new Hono<HttpEnv>();
  const data = deps.config.event_types.map((t) => ({ name: t.name, description: t.description, example: t.example }));
  app.get("/", (c) => c.json({ data, next_cursor: null }));
  return app;
}
