/**
 * The store contract: what every backend (sqlite/, later postgres/) does,
 * in data, never in callbacks, so a backend can push any of it into SQL.
 *
 * Rules every backend keeps (test/store/contract/ checks each):
 * - Methods take one params object, so a new field breaks no caller.
 * - Policy lives above the store: the auto-disable rule, the text of
 *   `last_error`, what to do with a dead process's leases, tenant scope. The
 *   store performs the transition it is told, atomically.
 * - Every method is async, although bun:sqlite is synchronous: callers must
 *   not depend on a call finishing in the same tick.
 * - A write that cannot commit (disk full, database gone) rejects with
 *   StoreUnavailableError (errors.ts) and changes nothing.
 * - Housekeeping a backend needs for itself (WAL checkpoints, folding stats)
 *   is its own business, started and stopped by the backend, not here.
 */
import type {
  Attempt,
  BacklogSnapshot,
  Delivery,
  DeliveryStatus,
  DisabledReason,
  Endpoint,
  EndpointSecret,
  StatsReport,
  StatsWindow,
  StoredEvent,
} from "../domain/model.ts";

// --- endpoints -------------------------------------------------------------

/** What creating an endpoint needs: its fields plus the first secret. */
export type NewEndpoint = Pick<Endpoint, "id" | "tenant" | "url" | "description" | "eventTypes" | "headers" | "metadata"> & {
  secret: string;
};

export type EndpointPatch = Partial<Pick<Endpoint, "url" | "description" | "eventTypes" | "headers" | "metadata">>;

/** Newest-first page request: `before` is the last id of the previous page. */
export interface PageQuery {
  limit: number;
  before?: string | undefined;
}

export interface EndpointStore {
  /** Inserts the endpoint and its first secret. */
  create(p: { endpoint: NewEndpoint; now: number }): Promise<Endpoint>;
  get(id: string): Promise<Endpoint | null>;
  /** Newest first; `tenant` filters when given. */
  list(p: PageQuery & { tenant?: string | undefined }): Promise<Endpoint[]>;
  /** Applies the given fields; null when the endpoint does not exist. */
  update(p: { id: string; patch: EndpointPatch; now: number }): Promise<Endpoint | null>;
  /** Enables (clearing the failure streak) or disables with a reason; null when it does not exist. */
  setState(p: { id: string; state: { enabled: true } | { enabled: false; reason: DisabledReason }; now: number }): Promise<Endpoint | null>;
  /**
   * Every endpoint of a tenant, enabled or not, for matching events. A
   * backend may cache it, but an endpoint write answered by any process
   * holds here from the moment it was answered.
   */
  forTenant(tenant: string): Promise<Endpoint[]>;
  /**
   * Removes the endpoint and its secrets; its pending deliveries end failed
   * (endpoint_deleted), and how many is answered. null when it did not exist.
   */
  remove(p: { id: string; now: number }): Promise<{ failedDeliveries: number } | null>;
  /** The current secret first, then rotated-out ones still signing at `now`. */
  activeSecrets(p: { id: string; now: number }): Promise<EndpointSecret[]>;
  /**
   * Makes `secret` current; the previous current one keeps signing until
   * now + overlapMs. At most `keepPrevious` older secrets are kept. null
   * when the endpoint does not exist.
   */
  rotateSecret(p: { id: string; secret: string; now: number; overlapMs: number; keepPrevious: number }): Promise<EndpointSecret[] | null>;
}

// --- events ------------------------------------------------------------------

/**
 * A new delivery row: pending with its first due time, or already failed
 * (endpoint disabled: `unsentAttemptId` names the attempt row recorded with
 * it). A test send is created already leased by its caller, so no dispatcher
 * takes it unless the lease runs out.
 */
export interface NewDelivery {
  id: string;
  endpointId: string | null;
  url: string;
  status: "pending" | "failed";
  lastError: string | null;
  dueAt: number | null;
  lease: { owner: string; until: number } | null;
  /** For a delivery created failed: the id of its endpoint_disabled attempt. */
  unsentAttemptId?: string | undefined;
}

/** One event to commit: the event row, its deliveries, and the idempotency key guarding it. */
export interface EventCommit {
  event: Omit<StoredEvent, "createdAt">;
  deliveries: NewDelivery[];
  idempotency: { key: string; requestHash: string; response: string } | null;
}

export type EventCommitOutcome =
  | { kind: "created" }
  /** The key was seen with the same request: the first call's answer. */
  | { kind: "replayed"; response: string }
  /** The key was seen with another request; nothing was written. */
  | { kind: "conflict" };

export interface EventStore {
  /**
   * Commits each event with its deliveries durably (a backend may group
   * concurrent callers into one transaction); one outcome per item, in
   * order. Concurrent commits of one (tenant, key) make one event.
   */
  commit(p: { items: EventCommit[]; now: number }): Promise<EventCommitOutcome[]>;
  get(id: string): Promise<StoredEvent | null>;
}

// --- deliveries ----------------------------------------------------------------

export interface DeliveryQuery extends PageQuery {
  status?: DeliveryStatus | undefined;
  endpointId?: string | undefined;
  tenant?: string | undefined;
  eventType?: string | undefined;
}

/** A claimed delivery with what the deliverer needs to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  payload: string;
}

/**
 * How many attempts each endpoint may have in flight, as data. `inFlight`
 * is what the caller knows to be running (one process: its own attempts);
 * a backend shared by several processes counts its live leases instead
 * when that is larger.
 */
export interface EndpointCapacity {
  /** The limit for every endpoint (delivery.max_in_flight_per_endpoint). */
  maxPerEndpoint: number;
  /** Attempts in flight now, by endpoint id; absent means none. */
  inFlight: ReadonlyMap<string, number>;
}

/** How the endpoint's health moves with an attempt; decided above the store. */
export type HealthChange =
  | { success: true }
  | {
      success: false;
      /** Disable at once with this reason (a 410 is "gone"), or null. */
      disable: DisabledReason | null;
      /** Disable as auto_failing if the endpoint has been failing since at or before this time; null: never. */
      disableIfFailingBefore: number | null;
    };

/** The outcome of one attempt and the delivery's next state, recorded together. */
export interface AttemptRecord {
  attempt: Omit<Attempt, "isTest" | "endpointId">;
  delivery: Delivery;
  /** Next state of the delivery. */
  next: { status: "pending"; at: number } | { status: "succeeded" } | { status: "failed" };
  /** The delivery's last_error after this attempt (null on success); worded above the store. */
  lastError: string | null;
  /** How the endpoint's health moves; null for test sends and callback_url deliveries. */
  health: HealthChange | null;
}

/** What a recorded attempt did to its endpoint: the transitions, for logs and operational events. */
export interface EndpointTransition {
  endpointId: string;
  /** This failure started a streak (the endpoint was not failing before). */
  startedFailing: boolean;
  /** This success ended a streak that began at `failingSince`. */
  recovered: { failingSince: number } | null;
  /** The endpoint was disabled by this record, and why. */
  disabled: DisabledReason | null;
}

/** An attempt the store recorded `interrupted` for a dead lease (no AttemptRecord: nothing was sent by the caller). */
export interface InterruptedAttempt {
  deliveryId: string;
  endpointId: string | null;
  isTest: boolean;
}

export interface DeliveryStore {
  get(id: string): Promise<Delivery | null>;
  list(p: DeliveryQuery): Promise<Delivery[]>;
  forEvent(eventId: string): Promise<Delivery[]>;
  attempts(deliveryId: string): Promise<Attempt[]>;
  /**
   * Leases up to `limit` due deliveries for `owner`, earliest due first
   * (ties in creation order), taking for any endpoint no more than its room
   * (capacity.maxPerEndpoint minus its in-flight count). A due delivery is
   * a pending one whose next_attempt_at <= now, including one whose lease
   * ran out (whoever held it): its cut attempt is then recorded
   * `interrupted` and answered in `interrupted`, and the delivery is leased
   * again (a test send ends failed instead, as in interruptLeases). A lease
   * makes the delivery due again at now + leaseMs, so a holder that dies
   * gives it back by itself. Only deliveries whose commit is durable are
   * claimed.
   */
  claimDue(p: { now: number; limit: number; leaseMs: number; owner: string; capacity: EndpointCapacity; newAttemptId: () => string }): Promise<{
    claimed: ClaimedDelivery[];
    interrupted: InterruptedAttempt[];
  }>;
  /** The earliest next_attempt_at of any pending delivery, leased or not. */
  earliestDue(): Promise<number | null>;
  /** Writes the attempt, the delivery's next state and the endpoint's health in one transaction; ends the lease. */
  recordAttempt(p: { record: AttemptRecord; now: number }): Promise<{ endpoint: EndpointTransition | null }>;
  /** Queues a finished delivery again at once (a new retry schedule). */
  retry(p: { id: string; now: number }): Promise<"queued" | "not_found" | "pending">;
  /** Queues again every failed delivery of the endpoint created at or after `since`; returns how many. */
  recover(p: { endpointId: string; since: number; now: number }): Promise<number>;
  /**
   * Ends the leases of `owners` (every owner when "all"), whatever their
   * expiry: each cut attempt is recorded `interrupted`, counted, and the
   * delivery is due again at `now`; a test send ends failed instead, as
   * test sends are never retried. Which leases are dead is the caller's
   * policy (one SQLite process holding the data dir lock: all of them; a
   * restarted node: its own). One transaction; answers the attempts recorded.
   */
  interruptLeases(p: { owners: string[] | "all"; now: number; newAttemptId: () => string }): Promise<InterruptedAttempt[]>;
  /**
   * After the wall clock stepped by `stepMs`: moves the due times and leases
   * of the pending deliveries written at or before `writtenBefore` (the old
   * clock's reading of now) by the step. Returns how many.
   */
  shiftSchedule(p: { stepMs: number; writtenBefore: number }): Promise<number>;
}

// --- periodic work and reports --------------------------------------------------

/** Periodic maintenance, for the jobs. */
export interface MaintenanceStore {
  /** Disables (auto_failing) enabled endpoints failing since at or before `failingBefore`; returns their ids. */
  autoDisable(p: { failingBefore: number; now: number }): Promise<string[]>;
  /** Deletes finished events created before `before` (with deliveries and attempts), at most `limit`; returns how many. */
  pruneEvents(p: { before: number; limit: number }): Promise<number>;
  /** Deletes idempotency keys created before `before`; returns how many. */
  pruneIdempotencyKeys(p: { before: number }): Promise<number>;
  /** Deletes stats older than any stats window reaches from `now`; returns how many rows. */
  pruneStats(p: { now: number }): Promise<number>;
  /**
   * Claims one run of a periodic job for the cluster: true for exactly one
   * caller per (job, scheduledAt) among every process sharing the database,
   * false for the others, so a job scheduled at the same pattern time on
   * each process runs once. Claims older than a day may be forgotten.
   */
  claimJobRun(p: { job: string; scheduledAt: number; now: number }): Promise<boolean>;
}

export interface StatsQuery {
  window: StatsWindow;
  tenant?: string | undefined;
  endpointId?: string | undefined;
  /** End of the window (epoch ms); the window is [now - length, now), half-open. */
  now: number;
}

/** Read-side aggregates; exact whenever they are asked for. */
export interface StatsStore {
  report(p: StatsQuery): Promise<StatsReport>;
  backlog(): Promise<BacklogSnapshot>;
}

// --- web console sessions ------------------------------------------------------

/** A console session as stored: keyed by a hash of its cookie, never the cookie itself. */
export interface WebSessionRecord {
  key: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** The one-shot message for the next page, as the web face encoded it; null: none. */
  flash: string | null;
}

/**
 * Console sessions and failed logins, in the database so that every process
 * sharing it honours a login made through any of them, and the login limit
 * counts every process's failures.
 */
export interface WebSessionStore {
  /** Stores a new session; beyond `keep` sessions the least recently seen go. */
  create(p: { session: WebSessionRecord; keep: number }): Promise<void>;
  /** The session if it was seen at or after `seenSince`; an older one is deleted and null answered. */
  find(p: { key: string; seenSince: number }): Promise<WebSessionRecord | null>;
  /** Records it seen at `at` (its idle time starts again). */
  seen(p: { key: string; at: number }): Promise<void>;
  setFlash(p: { key: string; flash: string | null }): Promise<void>;
  /** Answers the flash and clears it, in one step: shown once, whichever process asks. */
  takeFlash(p: { key: string }): Promise<string | null>;
  remove(p: { key: string }): Promise<void>;
  /** Counts a failed login at `at`; failures older than a day may be forgotten. */
  loginFailed(p: { at: number }): Promise<void>;
  /** The times of the failed logins at or after `since`, oldest first. */
  loginFailures(p: { since: number }): Promise<number[]>;
}

export interface Store {
  endpoints: EndpointStore;
  events: EventStore;
  deliveries: DeliveryStore;
  maintenance: MaintenanceStore;
  stats: StatsStore;
  webSessions: WebSessionStore;
  /** Proves the database answers and accepts a write; for /readyz. Rejects with StoreUnavailableError. */
  checkWritable(): Promise<void>;
  /**
   * Calls `listener` when another process sharing the database made work
   * due (committed an event with pending deliveries, a retry, a recover), so
   * this process's dispatcher looks at once instead of at its next timer.
   * Work this process made due is its own to announce (ingest wakes the
   * dispatcher directly). A backend one process uses alone never calls it.
   * A failure to listen (the database unreachable) goes to `onFailure`, and
   * the backend keeps trying. Answers the function that stops listening.
   */
  onDueElsewhere(listener: () => void, onFailure: (err: unknown) => void): () => void;
  /** Stops the backend's own housekeeping and closes it; a second call does nothing. */
  close(): Promise<void>;
}
