/**
 * Dead leases: the attempts their holders were making when they died (or
 * stalled past the lease), recorded as failed with "interrupted", as the
 * SQLite backend does (see its interrupted-leases.ts for the reasoning).
 * The delivery is due again at once; a test send ends failed instead. The
 * endpoint's health is left alone: the cut was hookgate's.
 */
import { unsentAttempt } from "../../domain/unsent-attempt.ts";
import type { InterruptedAttempt } from "../contract.ts";
import { insertAttempts } from "./attempts.ts";
import type { Tx } from "./pg-client.ts";
import { num, numOrNull } from "./rows.ts";

export interface LeaseCut {
  owners: readonly string[] | "all";
  /** Only leases that ran out by then; absent: whatever their expiry. */
  expiredBy?: number | undefined;
  /**
   * Skip rows another transaction holds (a claim passing by need not wait);
   * without it, wait for them and cut what is still leased afterwards.
   */
  skipLocked: boolean;
}

interface LeaseRow {
  id: string;
  endpoint_id: string | null;
  tenant: string;
  created_at: string;
  attempt_count: number;
  leased_at: string | null;
  lease_until: string;
  is_test: boolean;
}

/** Records each matching lease's attempt as interrupted and ends the lease, in the caller's transaction. */
export async function cutLeases(tx: Tx, cut: LeaseCut, now: number, newAttemptId: () => string): Promise<InterruptedAttempt[]> {
  const all = cut.owners === "all";
  const owners = tx.array(all ? [] : [...cut.owners], "TEXT");
  const expiredBy = cut.expiredBy ?? Number.MAX_SAFE_INTEGER;
  const rows = (cut.skipLocked
    ? await tx`SELECT id, endpoint_id, tenant, created_at, attempt_count, leased_at, lease_until, is_test
        FROM deliveries WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until <= ${expiredBy}
          AND (${all} OR lease_owner = ANY(${owners}))
        ORDER BY id FOR UPDATE SKIP LOCKED`
    : await tx`SELECT id, endpoint_id, tenant, created_at, attempt_count, leased_at, lease_until, is_test
        FROM deliveries WHERE status = 'pending' AND lease_until IS NOT NULL AND lease_until <= ${expiredBy}
          AND (${all} OR lease_owner = ANY(${owners}))
        ORDER BY id FOR UPDATE`) as LeaseRow[];
  if (rows.length === 0) return [];
  await insertAttempts(
    tx,
    rows.map((r) => {
      const leasedAt = numOrNull(r.leased_at);
      return {
        attempt: unsentAttempt({
          id: newAttemptId(),
          deliveryId: r.id,
          endpointId: r.endpoint_id,
          n: r.attempt_count + 1,
          startedAt: leasedAt ?? now,
          // From the lease's start to now, at most the lease: an upper bound, as when the cut came is unknown.
          durationMs: leasedAt === null ? 0 : Math.max(0, Math.min(now, num(r.lease_until)) - leasedAt),
          error: "interrupted",
          nextAttemptAt: r.is_test ? null : now,
          isTest: r.is_test,
        }),
        tenant: r.tenant,
        deliveryCreatedAt: num(r.created_at),
      };
    }),
  );
  await tx`UPDATE deliveries SET status = CASE WHEN is_test THEN 'failed' ELSE 'pending' END,
      attempt_count = attempt_count + 1, next_attempt_at = CASE WHEN is_test THEN NULL ELSE ${now}::bigint END,
      lease_until = NULL, leased_at = NULL, lease_owner = NULL, last_error = 'interrupted', updated_at = ${now}
    WHERE id = ANY(${tx.array(rows.map((r) => r.id), "TEXT")})`;
  return rows.map((r) => ({ deliveryId: r.id, endpointId: r.endpoint_id, isTest: r.is_test }));
}
