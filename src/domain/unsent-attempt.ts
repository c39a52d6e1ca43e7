/**
 * An attempt that sent no request (endpoint disabled, or cut off by a
 * crash): nothing to show of a request or a response.
 */
import type { Attempt } from "./model.ts";

export function unsentAttempt(
  a: Pick<Attempt, "id" | "deliveryId" | "endpointId" | "n" | "startedAt" | "error" | "nextAttemptAt" | "isTest"> & { durationMs?: number },
): Attempt {
  return {
    durationMs: 0,
    ...a,
    statusCode: null,
    requestHeaders: {},
    responseHeaders: null,
    responseBody: null,
    responseTruncated: false,
  };
}
