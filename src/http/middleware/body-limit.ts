/**
 * server.max_body, answered in the API's error shape. Hono's bodyLimit
 * refuses a too-large Content-Length before reading and stops a chunked body
 * as soon as it passes the limit, so memory stays bounded either way.
 * Bun.serve has its own larger cap behind this (see src/daemon.ts).
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import { payloadTooLarge } from "../errors.ts";
import type { HttpEnv } from "../deps.ts";

export function bodyLimit(maxBytes: number): MiddlewareHandler<HttpEnv> {
  return honoBodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is not wanted: closing after the answer spares
      // the client sending it and stops the connection waiting for bytes
      // that a client which reads the 413 may never send.
      c.header("Connection", "close");
      throw payloadTooLarge(maxBytes);
    },
  });
}
