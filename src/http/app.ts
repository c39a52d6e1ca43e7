/**
 * The API face: the probes, /metrics, /openapi.json and /v1/*, each
 * resource a sub-app. The middleware in front of every face (request id,
 * access log, body limit) is the wiring's (src/faces.ts); what is listed
 * here runs after it, in order. One onError renders every failure in the
 * API's error shape, and maps the domain errors to it.
 */
import type { ErrorHandler, NotFoundHandler } from "hono";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { isDomainError } from "../domain/errors.ts";
import type { Logger } from "../log.ts";
import { StoreUnavailableError } from "../store/errors.ts";
import type { HttpDeps, HttpEnv } from "./deps.ts";
import type { ApiSchemas } from "./openapi/api-routes.ts";
import { ApiError, apiErrorFor, routeNotFound } from "./errors.ts";
import { adminAuth } from "./middleware/bearer-token.ts";
import { deliveryRoutes } from "./routes/deliveries.ts";
import { endpointRoutes } from "./routes/endpoints.ts";
import { eventRoutes } from "./routes/events.ts";
import { eventTypeRoutes } from "./routes/event-types.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { statsRoutes } from "./routes/stats.ts";
import { endpointSchemas } from "../operations/input/endpoint.ts";
import { eventSchemas } from "./schemas/event.ts";

/** Builds the API face; the wiring mounts it at "/" beside the console. */
export function createHttpApp(deps: HttpDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  // Built once from the config: the routes validate with these very objects, and /openapi.json describes them.
  const first = deps.config.event_types[0];
  const schemas: ApiSchemas = {
    endpoint: endpointSchemas(deps.config),
    event: eventSchemas(deps.config),
    // The request examples use the catalog's first type and its example, so they are valid here.
    sample: first ? { type: first.name, data: first.example ?? {} } : undefined,
  };

  app.use("/v1/*", adminAuth(deps.adminToken)); // bearer token for the API; sets the principal

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps)); // open, or its own bearer token (server.metrics_token)
  app.route("/", openApiRoutes(schemas)); // unauthenticated: documentation, no data
  app.route("/v1/endpoints", endpointRoutes(deps.ops, schemas.endpoint));
  app.route("/v1/event-types", eventTypeRoutes(deps.ops));
  app.route("/v1/events", eventRoutes(deps.ops, schemas.event));
  app.route("/v1/deliveries", deliveryRoutes(deps.ops));
  app.route("/v1/stats", statsRoutes(deps.ops));

  app.notFound(answerRouteNotFound);
  app.onError(answerApiError(deps.log));
  return app;
}

/** A path no face serves: the API's 404. The wiring installs it for the whole server. */
export const answerRouteNotFound: NotFoundHandler<HttpEnv> = (c) => c.json(routeNotFound(c.req.method, c.req.path).toJSON(), 404);

/**
 * Every failure in the API's error shape: domain errors as apiErrorFor maps
 * them, a store that cannot commit as 503, Hono's own client errors as
 * 400/422, anything else a logged 500. The wiring installs it in front of
 * both faces too, for the shared middleware (a body over the limit).
 */
export function answerApiError(log: Logger): ErrorHandler<HttpEnv> {
  return (err, c) => {
    if (err instanceof ApiError) return c.json(err.toJSON(), err.status);
    if (isDomainError(err)) {
      const answer = apiErrorFor(err);
      return c.json(answer.toJSON(), answer.status);
    }
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
  };
}
