/**
 * The HTTP application. The global middleware is listed here, in the order
 * it runs; each resource is a sub-app mounted below it. One onError renders
 * every failure in the API's error shape.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { HttpDeps, HttpEnv } from "./deps.ts";
import type { ApiSchemas } from "./openapi/api-routes.ts";
import { ApiError, notFound } from "./errors.ts";
import { accessLog } from "./middleware/access-log.ts";
import { adminAuth } from "./middleware/admin-auth.ts";
import { bodyLimit } from "./middleware/body-limit.ts";
import { requestId } from "./middleware/request-id.ts";
import { StoreUnavailableError } from "../store/write-queue.ts";
import { deliveryRoutes } from "./routes/deliveries.ts";
import { endpointRoutes } from "./routes/endpoints.ts";
import { eventRoutes } from "./routes/events.ts";
import { eventTypeRoutes } from "./routes/event-types.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { statsRoutes } from "./routes/stats.ts";
import { endpointSchemas } from "./schemas/endpoint.ts";
import { eventSchemas } from "./schemas/event.ts";
import { consoleRoutes } from "../console/routes.tsx";

/** Builds the Hono app; tests call `app.request()` on it directly. */
export function createHttpApp(deps: HttpDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const log = deps.log.child({ component: "http" });
  // Built once from the config: the routes validate with these very objects, and /openapi.json describes them.
  const schemas: ApiSchemas = { endpoint: endpointSchemas(deps.config), event: eventSchemas(deps.config) };

  // Global middleware, in order.
  app.use(requestId(deps.ids, log)); // 1. request id + child logger
  app.use(accessLog(deps.clock)); //    2. one line per request, after the answer
  app.use(bodyLimit(deps.config.server.max_body)); // 3. 413 before any body is read
  app.use("/v1/*", adminAuth(deps.adminToken)); //  4. bearer token for the API

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps)); // open, or its own bearer token (server.metrics_token)
  app.route("/", openApiRoutes(schemas)); // unauthenticated: documentation, no data
  app.route("/v1/endpoints", endpointRoutes(deps, schemas.endpoint));
  app.route("/v1/event-types", eventTypeRoutes(deps));
  app.route("/v1/events", eventRoutes(deps, deps.ingest, schemas.event));
  app.route("/v1/deliveries", deliveryRoutes(deps, deps.wake));
  app.route("/v1/stats", statsRoutes(deps));
  // The web console: its own session-cookie login, never valid for /v1/*.
  app.route("/", consoleRoutes(deps, deps.console));

  app.notFound((c) => c.json(notFound(`route ${c.req.method} ${c.req.path}`).toJSON(), 404));

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status);
    if (err instanceof StoreUnavailableError) {
      (c.get("log") ?? log).error({ err, method: c.req.method, path: c.req.path }, "database unavailable");
      return c.json(new ApiError(503, "unavailable", "the database cannot commit right now; nothing was written, retry later").toJSON(), 503);
    }
    if (err instanceof HTTPException && err.status < 500) {
      const wrapped = new ApiError(err.status, err.status === 400 ? "invalid_json" : "validation_failed", err.message || "bad request");
      return c.json(wrapped.toJSON(), wrapped.status);
    }
    (c.get("log") ?? log).error({ err, method: c.req.method, path: c.req.path }, "internal error");
    return c.json(new ApiError(500, "internal_error", "internal error; see the server log for this request id").toJSON(), 500);
  });

  return app;
}
