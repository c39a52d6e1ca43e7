/**
 * The one error shape of the API:
 * `{ "error": { "code", "message", "details"? } }`. The edge's own refusals
 * (unreadable JSON, a missing token, a body over the limit, a route that
 * does not exist) are ApiErrors made here; the operations' domain errors
 * become ApiErrors in `apiErrorFor`, the one mapping. `answerApiError` in app.ts
 * renders both.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Conflict, Forbidden, Invalid, NotFound, type DomainError, type InvalidDetail } from "../domain/errors.ts";

export type ErrorDetail = InvalidDetail;

export type ErrorCode =
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "validation_failed"
  | "unavailable"
  | "internal_error";

/** An error meant for the client, with its status and code. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The response body. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const invalidJson = (message: string) => new ApiError(400, "invalid_json", message);
export const unauthorized = () => new ApiError(401, "unauthorized", "missing or wrong bearer token");
export const routeNotFound = (method: string, path: string) => new ApiError(404, "not_found", `route ${method} ${path} not found`);
export const payloadTooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `request body is larger than server.max_body (${limit} bytes)`);
export const unavailable = (message: string, details?: ErrorDetail[]) => new ApiError(503, "unavailable", message, details);

/** How the API answers a domain error: its status, code and words. */
export function apiErrorFor(err: DomainError): ApiError {
  if (err instanceof NotFound) return new ApiError(404, "not_found", err.message);
  if (err instanceof Conflict) return new ApiError(409, "conflict", err.message);
  if (err instanceof Forbidden) return new ApiError(403, "forbidden", err.message);
  if (err instanceof Invalid) return new ApiError(422, "validation_failed", err.message, err.details);
  const unmapped: never = err;
  throw new Error(`no API answer for ${String(unmapped)}`);
}
