/**
 * Which failures mean "the database cannot be reached or written" and so
 * become StoreUnavailableError (the caller answers 503), as opposed to a
 * bug, which stays the error it is.
 */
import { StoreUnavailableError } from "../errors.ts";

/** Bun's own codes for a connection that could not be made, broke, or was closed. */
const CONNECTION_CODES = /^ERR_POSTGRES_(CONNECTION_|IDLE_TIMEOUT|LIFETIME_TIMEOUT|TLS_|AUTHENTICATION_|SASL_|UNSUPPORTED_AUTHENTICATION|INVALID_SERVER_)/;
/** Socket errors, when they surface as such. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "ConnectionRefused", "ConnectionClosed"]);

/**
 * SQLSTATE classes and codes: connection exceptions (08), the server
 * shutting down or not yet up (57P01-57P05), out of disk, memory or
 * connections (53), an I/O error (58), invalid credentials (28), a database
 * that does not exist (3D000), a read-only server (25006).
 */
function unavailableState(state: string): boolean {
  return /^(08|53|58|28)/.test(state) || /^57P0[1-5]$/.test(state) || state === "3D000" || state === "25006";
}

/** True when `err` says the database is out of reach, not that the statement was wrong. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: unknown; errno?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  if (typeof e.code === "string" && (CONNECTION_CODES.test(e.code) || SOCKET_CODES.has(e.code))) return true;
  return typeof e.errno === "string" && unavailableState(e.errno);
}

/** StoreUnavailableError with the cause, for an error isUnavailable accepts; anything else as it was. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreUnavailableError(`the PostgreSQL database is unavailable: ${message}; nothing was written`, { cause: err });
}

/** Deadlocks and serialization failures: the transaction is safe to run again. */
export function isRetryable(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === "40P01" || errno === "40001";
}
