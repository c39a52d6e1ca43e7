/** A deliveries row as SQLite returns it, and the record it maps to. */
import type { Delivery, DeliveryStatus } from "../../domain/model.ts";
import type { CountedDelivery } from "./stats-counter.ts";

export interface DeliveryRow {
  id: string;
  event_id: string;
  tenant: string;
  event_type: string;
  endpoint_id: string | null;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  leased_at: number | null;
  lease_owner: string | null;
  last_error: string | null;
  schedule_start: number;
  is_test: number;
  created_at: number;
  updated_at: number;
}

export function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    eventId: r.event_id,
    tenant: r.tenant,
    eventType: r.event_type,
    endpointId: r.endpoint_id,
    url: r.url,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.next_attempt_at,
    // Leases from before 0003/0007 lack a start or an owner: the expiry stands in.
    lease: r.lease_until === null ? null : { owner: r.lease_owner ?? "", until: r.lease_until, at: r.leased_at ?? r.lease_until },
    lastError: r.last_error,
    scheduleStart: r.schedule_start,
    isTest: r.is_test === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** What a status change hands the stats counter, from RETURNING. */
export const COUNTED = "RETURNING endpoint_id, tenant, created_at, is_test";
export interface CountedRow {
  endpoint_id: string | null;
  tenant: string;
  created_at: number;
  is_test: number;
}

export function counted(r: CountedRow): CountedDelivery {
  return { endpointId: r.endpoint_id, tenant: r.tenant, createdAt: r.created_at, isTest: r.is_test === 1 };
}
