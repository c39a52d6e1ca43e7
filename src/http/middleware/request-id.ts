/**
 * Gives each request an id: the caller's X-Request-Id when it is short and
 * plain (so a proxy's id threads through), otherwise a new one. Echoed in the
 * response and carried by the request's child logger.
 */
import type { MiddlewareHandler } from "hono";
import type { IdGenerator } from "../../domain/ids.ts";
import type { Logger } from "../../log.ts";
import type { HttpEnv } from "../deps.ts";

/** The caller's id when it is 1–128 of A-Za-z0-9._:-, else a new "req_" id. */
export function chooseRequestId(incoming: string | null | undefined, ids: IdGenerator): string {
  return incoming && /^[A-Za-z0-9._:-]{1,128}$/.test(incoming) ? incoming : ids("req");
}

export function requestId(ids: IdGenerator, log: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const id = chooseRequestId(c.req.header("x-request-id"), ids);
    c.set("requestId", id);
    c.set("log", log.child({ request_id: id }));
    c.header("X-Request-Id", id);
    await next();
  };
}
