/**
 * The one error shape of the API:
 * `{ "error": { "code", "message", "details"? } }`. Handlers throw ApiError
 * through the helpers below; `onError` in app.ts renders it.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface ErrorDetail {
  path: string;
  message: string;
}

export type ErrorCode =
  | "invalid_json"
  | "unauthorized"
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
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (message: string) => new ApiError(409, "conflict", message);
export const payloadTooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `request body is larger than server.max_body (${limit} bytes)`);
export const unavailable = (message: string) => new ApiError(503, "unavailable", message);

/** A 422 whose message is the first problem and whose details list them all. */
export function validationFailed(details: ErrorDetail[]): ApiError {
  const first = details[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "invalid request";
  return new ApiError(422, "validation_failed", message, details);
}
