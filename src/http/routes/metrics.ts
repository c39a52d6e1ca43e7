/**
 * GET /metrics: the Prometheus text exposition. Open like the health probes
 * unless `[server] metrics_token` is set; then it takes that bearer token
 * (compared in constant time, 401 in the error shape otherwise). The admin
 * token is not accepted here, so a scraper never holds the keys to the API.
 */
import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../../metrics/registry.ts";
import type { HttpDeps, HttpEnv } from "../deps.ts";
import { bearerToken } from "../middleware/bearer-token.ts";

export function metricsRoutes(deps: HttpDeps) {
  const app = new Hono<HttpEnv>();
  const token = deps.config.server.metrics_token;
  if (token !== "") app.use("/metrics", bearerToken(token));
  // A backlog that cannot be read rejects here: onError logs it and answers
  // 500, so Prometheus marks the target down (up == 0) instead of showing
  // the gauges as missing or stale without a word.
  app.get("/metrics", async (c) => {
    const text = await deps.metrics.render(deps.clock.now());
    return c.body(text, 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
  });
  return app;
}
