/**
 * The store's records and its interface. The interface is async although
 * bun:sqlite is synchronous: a PostgreSQL store will implement the same one,
 * so callers must not depend on a call finishing in the same tick.
 */

// The records and query shapes this interface shares with the store contract
// are defined once, there; this file keeps only what the live SQLite store
// still does differently (a lease as leaseUntil, positional methods), until
// the backend moves onto contract.ts.
import type { Attempt, BacklogSnapshot, DeliveryStatus, DisabledReason, Endpoint, EndpointSecret, StatsReport, StoredEvent } from "../domain/model.ts";
import type { DeliveryQuery, EndpointPatch, NewEndpoint, PageQuery, StatsQuery } from "./contract.ts";
export type {
  Attempt,
  BacklogSnapshot,
  DeliveryStatus,
  DisabledReason,
  Endpoint,
  EndpointSecret,
  EndpointState,
  EndpointStats,
  Percentiles,
  StatsFigures,
  StatsReport,
  StatsSeriesPoint,
  StatsWindow,
  StoredEvent,
} from "../domain/model.ts";
export type { DeliveryQuery, EndpointPatch, NewEndpoint, PageQuery, StatsQuery } from "./contract.ts";

export interface EndpointStore {
  /** Inserts the endpoint and its first secret. */
  create(input: NewEndpoint, now: number): Promise<Endpoint>;
  get(id: string): Promise<Endpoint | null>;
  /** Newest first; `tenant` filters when given. */
  list(query: PageQuery & { tenant?: string | undefined }): Promise<Endpoint[]>;
  /** Applies the given fields; null when the endpoint does not exist. */
  update(id: string, patch: EndpointPatch, now: number): Promise<Endpoint | null>;
  /** Enables (clearing the failure streak) or disables with a reason. */
  setState(id: string, state: { enabled: true } | { enabled: false; reason: DisabledReason }, now: number): Promise<Endpoint | null>;
  /** Every endpoint of a tenant, enabled or not; for matching events. */
  forTenant(tenant: string): Promise<Endpoint[]>;
  /**
   * Removes the endpoint and its secrets; its pending deliveries end failed
   * (endpoint_deleted), and how many is answered. null when it did not exist.
   */
  remove(id: string, now: number): Promise<{ failedDeliveries: number } | null>;
  /** The current secret first, then rotated-out ones still signing at `now`. */
  activeSecrets(id: string, now: number): Promise<EndpointSecret[]>;
  /**
   * Makes `secret` current; the previous current one keeps signing until
   * now + overlapMs. At most `keepPrevious` older secrets are kept.
   */
  rotateSecret(id: string, secret: string, now: number, overlapMs: number, keepPrevious: number): Promise<EndpointSecret[] | null>;
}

export interface Delivery {
  id: string;
  eventId: string;
  tenant: string;
  eventType: string;
  endpointId: string | null;
  url: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number | null;
  leaseUntil: number | null;
  lastError: string | null;
  /** attempt_count when the retry schedule last started (0, or at a manual retry or recover). */
  scheduleStart: number;
  isTest: boolean;
  createdAt: number;
  updatedAt: number;
}

/**
 * A new delivery row: pending with its first due time, or already failed
 * (endpoint disabled). A test send is created already leased by its caller,
 * so the dispatcher leaves it alone unless the caller dies.
 */
export interface NewDelivery {
  id: string;
  endpointId: string | null;
  url: string;
  status: "pending" | "failed";
  lastError: string | null;
  dueAt: number | null;
  leaseUntil: number | null;
}

/** One event to commit with its deliveries, and the idempotency key guarding it. */
export interface NewEvent {
  event: Omit<StoredEvent, "createdAt">;
  deliveries: NewDelivery[];
  /** Attempt ids for deliveries created failed (endpoint_disabled), by delivery id. */
  disabledAttemptIds: Record<string, string>;
  idempotency: { key: string; requestHash: string; response: string } | null;
}

export type IngestOutcome =
  | { kind: "created" }
  | { kind: "replayed"; response: string }
  | { kind: "conflict" };

/** A claimed delivery with what the deliverer needs to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  payload: string;
}

/** The outcome of one attempt and the delivery's next state, recorded together. */
export interface AttemptRecord {
  attempt: Omit<Attempt, "isTest" | "endpointId">;
  delivery: Delivery;
  /** Next state of the delivery. */
  next: { status: "pending"; at: number } | { status: "succeeded" } | { status: "failed" };
  /** How the endpoint's health moves; null for test sends and callback_url deliveries. */
  health: { success: true } | { success: false; disableAfterMs: number; gone: boolean } | null;
}

/** An attempt recorded at start-up as cut off by the previous run's end (error "interrupted"). */
export interface InterruptedAttempt {
  deliveryId: string;
  endpointId: string | null;
  isTest: boolean;
}

/** How many more attempts each endpoint may have in flight. */
export interface EndpointCapacity {
  /** Endpoints with no room at all, skipped by the claim query itself. */
  full: string[];
  room(endpointId: string): number;
}

export interface EventStore {
  /**
   * Commits each event with its deliveries in one durable transaction
   * (group-committed with concurrent callers); one outcome per item.
   */
  ingest(items: NewEvent[], now: number): Promise<IngestOutcome[]>;
  get(id: string): Promise<StoredEvent | null>;
}

export interface DeliveryStore {
  get(id: string): Promise<Delivery | null>;
  list(query: DeliveryQuery): Promise<Delivery[]>;
  forEvent(eventId: string): Promise<Delivery[]>;
  attempts(deliveryId: string): Promise<Attempt[]>;
  /**
   * Leases up to `limit` due deliveries, earliest first, skipping endpoints
   * in `capacity.full` and taking at most `capacity.room(endpointId)` more
   * for any other endpoint. A lease makes the delivery due again at
   * now + leaseMs, so a holder that dies gives it back by itself.
   */
  claimDue(now: number, limit: number, leaseMs: number, capacity: EndpointCapacity): Promise<ClaimedDelivery[]>;
  /** The earliest next_attempt_at of any pending delivery, leased or not. */
  earliestDue(): Promise<number | null>;
  recordAttempt(record: AttemptRecord, now: number): Promise<void>;
  /** Queues a finished delivery again at once. */
  retry(id: string, now: number): Promise<"queued" | "not_found" | "pending">;
  /** Queues again every failed delivery of the endpoint created at or after `since`. */
  recover(endpointId: string, since: number, now: number): Promise<number>;
  /**
   * At start-up, before anything is claimed: every delivery still leased was
   * being attempted by a process that died (it held the data dir lock). Each
   * gets that attempt recorded as cut off and counted, and is due again at
   * `now`; a test send ends failed instead, as test sends are never retried.
   * One transaction. Returns the attempts recorded (error "interrupted").
   */
  takeOverLeases(now: number, newAttemptId: () => string): Promise<InterruptedAttempt[]>;
  /**
   * After the wall clock stepped by `stepMs`: moves the due times and leases
   * of the pending deliveries written at or before `writtenBefore` (the old
   * clock's reading of now) by the step, in one statement. Returns how many.
   */
  shiftSchedule(stepMs: number, writtenBefore: number): Promise<number>;
}

/** Periodic maintenance, for the jobs. */
export interface MaintenanceStore {
  /** Disables enabled endpoints failing since before `failingBefore`; returns their ids. */
  autoDisable(failingBefore: number, now: number): Promise<string[]>;
  /** Deletes finished events created before `before` (with deliveries and attempts); returns how many. */
  pruneEvents(before: number, limit: number): Promise<number>;
  /** Deletes idempotency keys created before `before`. */
  pruneIdempotencyKeys(before: number): Promise<number>;
  /** Deletes stats rollups older than any stats window reaches from `now`; returns how many. */
  pruneStats(now: number): Promise<number>;
  /** Moves the stats counted per minute since the last fold into the rollups; returns how many minute rows. */
  foldStats(): Promise<number>;
  /** Moves the WAL into the database file without blocking writers for long. */
  checkpoint(): Promise<void>;
}

export interface Store {
  endpoints: EndpointStore;
  events: EventStore;
  deliveries: DeliveryStore;
  maintenance: MaintenanceStore;
  stats: StatsStore;
  /** Proves the database answers and accepts a write; for /readyz. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

/** Read-side aggregates for GET /v1/stats, the console's dashboard and the Prometheus gauges; test sends left out. */
export interface StatsStore {
  report(query: StatsQuery): Promise<StatsReport>;
  backlog(now: number): Promise<BacklogSnapshot>;
}
