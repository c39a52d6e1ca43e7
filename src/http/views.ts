/** How records look on the wire: snake_case fields and RFC 3339 UTC times. */
import type { Endpoint, EndpointSecret } from "../store/types.ts";

/** RFC 3339 UTC, or null. */
export function time(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** An endpoint as the API shows it; the secret only when given (on create). */
export function endpointView(e: Endpoint, secret?: string) {
  return {
    id: e.id,
    tenant: e.tenant,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    headers: e.headers,
    metadata: e.metadata,
    state: e.state,
    disabled_reason: e.disabledReason,
    failing_since: time(e.failingSince),
    last_success_at: time(e.lastSuccessAt),
    consecutive_failures: e.consecutiveFailures,
    created_at: time(e.createdAt),
    updated_at: time(e.updatedAt),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** `{ secret, previous }`: the current secret and the rotated-out ones still signing. */
export function secretsView(secrets: EndpointSecret[]) {
  const [current, ...previous] = secrets;
  return {
    secret: current?.secret ?? null,
    previous: previous.map((s) => ({ secret: s.secret, expires_at: time(s.expiresAt) })),
  };
}
