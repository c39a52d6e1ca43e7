/**
 * What the port answers between the bind and the moment the store is open
 * and the routes are wired: 503 `unavailable` in the API's error shape, with
 * Retry-After. hookgate binds its port first, so a port already taken stops
 * start-up before anything is created on disk; this keeps /readyz (and every
 * other route) from answering before the gateway can do its work.
 */
import type { IdGenerator } from "../domain/ids.ts";
import { ApiError } from "./errors.ts";
import { chooseRequestId } from "./middleware/request-id.ts";

const BODY = JSON.stringify(new ApiError(503, "unavailable", "hookgate is starting (opening its database); retry in a moment").toJSON());

/** The 503 every request gets while hookgate starts, with its X-Request-Id like every other answer. */
export function startingResponse(req: Request, ids: IdGenerator): Response {
  return new Response(BODY, {
    status: 503,
    headers: {
      "content-type": "application/json",
      "retry-after": "1",
      "cache-control": "no-store",
      "x-request-id": chooseRequestId(req.headers.get("x-request-id"), ids),
    },
  });
}
