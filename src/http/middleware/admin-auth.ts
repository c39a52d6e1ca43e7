/**
 * Bearer-token auth for /v1/*. The token is compared in constant time, and a
 * refusal carries WWW-Authenticate as RFC 6750 asks.
 */
import type { MiddlewareHandler } from "hono";
import { constantTimeEqual } from "../../domain/secret.ts";
import { unauthorized } from "../errors.ts";
import type { HttpEnv } from "../deps.ts";

export function adminAuth(token: string): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m || !constantTimeEqual(m[1]!, token)) {
      c.header("WWW-Authenticate", `Bearer realm="hookgate"${header ? ', error="invalid_token"' : ""}`);
      throw unauthorized();
    }
    await next();
  };
}
