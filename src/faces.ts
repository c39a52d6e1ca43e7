/**
 * The one Hono app the server runs: the middleware every request passes,
 * listed here in order, then the two faces side by side. The API face
 * (src/http/) serves the probes, /metrics, /openapi.json and /v1/*; the
 * console (src/web/console/) serves its pages and assets; neither knows of
 * the other. A path neither serves, and a failure in the middleware in
 * front of both (a body over the limit), answers in the API's error shape.
 */
import { Hono } from "hono";
import type { Clock } from "./clock.ts";
import type { Config } from "./config/schema.ts";
import type { IdGenerator } from "./domain/ids.ts";
import { answerApiError, answerRouteNotFound, createHttpApp } from "./http/app.ts";
import type { HttpEnv, ReadinessCheck } from "./http/deps.ts";
import { accessLog } from "./http/middleware/access-log.ts";
import { bodyLimit } from "./http/middleware/body-limit.ts";
import { requestId } from "./http/middleware/request-id.ts";
import { requestMetrics } from "./http/middleware/request-metrics.ts";
import type { Logger } from "./log.ts";
import type { HookgateMetrics } from "./metrics/hookgate-metrics.ts";
import type { Operations } from "./operations/operations.ts";
import { createConsole } from "./web/console/console.tsx";
import type { ConsoleOptions } from "./web/console/console-deps.ts";

export interface FacesDeps {
  config: Config;
  ops: Operations;
  clock: Clock;
  ids: IdGenerator;
  randomBytes: (n: number) => Uint8Array;
  log: Logger;
  adminToken: string;
  readiness: ReadinessCheck[];
  metrics: Pick<HookgateMetrics, "render" | "httpRequest">;
  /** Session and login-throttle settings of the console; defaults when absent. */
  console?: ConsoleOptions;
}

/** Builds the server's app; tests call `app.request()` on it directly. */
export function composeFaces(deps: FacesDeps): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const log = deps.log.child({ component: "http" });

  // In front of every face, in order.
  app.use(requestId(deps.ids, log)); //                 1. request id + child logger
  app.use(accessLog(deps.clock)); //                    2. one line per request, after the answer
  app.use(requestMetrics(deps.metrics)); //              3. counted by route and status class, after the answer
  app.use(bodyLimit(deps.config.server.max_body)); //   4. 413 before any body is read

  app.route("/", createHttpApp({ ...deps, log }));
  // The console: its own session-cookie login, never valid for /v1/*.
  app.route("/", createConsole({ ...deps, options: deps.console }));

  app.notFound(answerRouteNotFound);
  app.onError(answerApiError(log));
  return app;
}
