/**
 * GET /openapi.json: the API described as OpenAPI 3.1, for Swagger UI and
 * client generators. Unauthenticated, like the probes: it is documentation
 * and holds no data. Built on first request and kept, as it depends only on
 * the config.
 */
import { Hono } from "hono";
import type { HttpEnv } from "../deps.ts";
import { openApiDocument, type ApiSchemas } from "../openapi/api-routes.ts";

export function openApiRoutes(schemas: ApiSchemas) {
  const app = new Hono<HttpEnv>();
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get("/openapi.json", (c) => c.json((document ??= openApiDocument(schemas))));
  return app;
}
