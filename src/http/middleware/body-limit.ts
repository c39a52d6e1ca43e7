/**
 * server.max_body, answered in the API's error shape. Hono's bodyLimit
 * refuses a too-large Content-Length before reading and stops a chunked body
 * as soon as it passes the limit, so memory stays bounded either way.
 * Bun.serve has its own larger cap behind this (see app.ts).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { payloadTooLarge } from "../errors.ts";
import type { HttpEnv } from "../deps.ts";

export function bodyLimit(maxBytes: number): MiddlewareHandler<HttpEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw payloadTooLarge(maxBytes);
    },
  });
}
