/**
 * Recording an attempt, in one transaction: the endpoint's health moves as
 * told (HealthChange), the attempt row is written and the delivery takes
 * its next state if it is still pending (an endpoint deleted meanwhile
 * ended it failed). The same semantics as the SQLite backend's recordOne.
 */
import type { DisabledReason } from "../../domain/model.ts";
import type { AttemptRecord, EndpointTransition } from "../contract.ts";
import { insertAttempts } from "./attempts.ts";
import type { Tx } from "./pg-client.ts";
import { numOrNull } from "./rows.ts";

/** Health first: its row lock comes before the delivery's, as in endpoints.remove, so the two do not deadlock. */
async function moveHealth(tx: Tx, record: AttemptRecord, now: number): Promise<EndpointTransition | null> {
  const { health, delivery, attempt } = record;
  const endpointId = delivery.endpointId;
  if (health === null || endpointId === null) return null;
  if (health.success) {
    // Health is not configuration: updated_at stays as the operator left it.
    const [row] = (await tx`UPDATE endpoints e SET consecutive_failures = 0, failing_since = NULL, last_success_at = ${now}
      FROM (SELECT id, failing_since FROM endpoints WHERE id = ${endpointId} FOR UPDATE) old
      WHERE e.id = old.id RETURNING old.failing_since`) as { failing_since: string | null }[];
    if (!row) return null;
    const since = numOrNull(row.failing_since);
    return { endpointId, startedFailing: false, recovered: since === null ? null : { failingSince: since }, disabled: null };
  }
  const [streak] = (await tx`UPDATE endpoints SET consecutive_failures = consecutive_failures + 1,
      failing_since = coalesce(failing_since, ${attempt.startedAt})
    WHERE id = ${endpointId} RETURNING consecutive_failures, failing_since, state`) as {
    consecutive_failures: number;
    failing_since: string;
    state: "enabled" | "disabled";
  }[];
  if (!streak) return null;
  let disabled: DisabledReason | null = null;
  if (streak.state === "enabled") {
    if (health.disable !== null) disabled = health.disable;
    else if (health.disableIfFailingBefore !== null && Number(streak.failing_since) <= health.disableIfFailingBefore) disabled = "auto_failing";
    if (disabled !== null) {
      await tx`UPDATE endpoints SET state = 'disabled', disabled_reason = ${disabled}, updated_at = ${now} WHERE id = ${endpointId}`;
    }
  }
  return { endpointId, startedFailing: streak.consecutive_failures === 1, recovered: null, disabled };
}

export async function recordAttempt(tx: Tx, record: AttemptRecord, now: number): Promise<{ endpoint: EndpointTransition | null }> {
  const { attempt, delivery, next, lastError } = record;
  const endpoint = await moveHealth(tx, record, now);
  await insertAttempts(tx, [
    { attempt: { ...attempt, endpointId: delivery.endpointId, isTest: delivery.isTest }, tenant: delivery.tenant, deliveryCreatedAt: delivery.createdAt },
  ]);
  await tx`UPDATE deliveries SET status = ${next.status}, attempt_count = attempt_count + 1,
      next_attempt_at = ${next.status === "pending" ? next.at : null}, lease_until = NULL, leased_at = NULL, lease_owner = NULL,
      last_error = ${next.status === "succeeded" ? null : lastError}, updated_at = ${now}
    WHERE id = ${delivery.id} AND status = 'pending'`;
  return { endpoint };
}
