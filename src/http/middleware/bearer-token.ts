/**
 * Bearer-token checks: for /v1/* (the admin token, which becomes the admin
 * Principal every route hands to its operation) and for /metrics (its own
 * token, which is no principal at all). The token is compared in constant
 * time, and a refusal carries WWW-Authenticate as RFC 6750 asks.
 */
import type { MiddlewareHandler } from "hono";
import { constantTimeEqual } from "../../domain/secret.ts";
import { ADMIN } from "../../operations/principal.ts";
import { unauthorized } from "../errors.ts";
import type { HttpEnv } from "../deps.ts";

/** Lets the request through only with `Authorization: Bearer <token>`. */
export function bearerToken(token: string): MiddlewareHandler<HttpEnv> {
  return async function bearerToken(c, next) {
    const header = c.req.header("authorization") ?? "";
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m || !constantTimeEqual(m[1]!, token)) {
      c.header("WWW-Authenticate", `Bearer realm="hookgate"${header ? ', error="invalid_token"' : ""}`);
      throw unauthorized();
    }
    await next();
  };
}

/** The admin token, and the admin Principal for the routes behind it. */
export function adminAuth(token: string): MiddlewareHandler<HttpEnv> {
  const check = bearerToken(token);
  return async function adminAuth(c, next) {
    await check(c, async () => {
      c.set("principal", ADMIN);
      await next();
    });
  };
}
