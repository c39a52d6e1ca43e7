/** One log line per request, after the response: method, path, status, duration. */
import type { MiddlewareHandler } from "hono";
import type { Clock } from "../../clock.ts";
import type { HttpEnv } from "../deps.ts";

export function accessLog(clock: Clock): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = clock.now();
    await next();
    const status = c.res.status;
    const line = { method: c.req.method, path: c.req.path, status, duration_ms: clock.now() - started };
    const log = c.get("log");
    if (status >= 500) log.error(line, "request failed");
    else log.info(line, "request");
  };
}
