/**
 * Counts every answered request by route, method and status class for
 * /metrics, so an operator can alert on 401s, 422s and 5xx per route. The
 * route is the matched pattern ("/v1/endpoints/:id"), never the raw path,
 * so ids and probes for unknown paths cannot grow the series without bound.
 */
import type { MiddlewareHandler } from "hono";
import type { RequestCounter } from "../../metrics/request-counter.ts";
import type { HttpEnv } from "../deps.ts";

/** Where a request matched no route (a 404 of the router itself). */
export const UNMATCHED_ROUTE = "unmatched";

export function requestMetrics(counter: RequestCounter): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    await next();
    // Middleware registers as ALL; the handler that answered is the last route of a method.
    const route = c.req.matchedRoutes.filter((r) => r.method !== "ALL").at(-1)?.path ?? UNMATCHED_ROUTE;
    counter.httpRequest(route, c.req.method, c.res.status);
  };
}
