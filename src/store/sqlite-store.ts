/**
 * The SQLite implementation of Store: composes the per-table modules, runs
 * multi-table changes in one transaction, and group-commits the hot writes
 * (ingest, attempt records) through the WriteQueue.
 */
import type { Database } from "bun:sqlite";
import { openLeaseConnection } from "../db/open.ts";
import { AttemptTable, unsentAttempt } from "./attempts.ts";
import { DeliveryTable } from "./deliveries.ts";
import { EndpointSecretTable } from "./endpoint-secrets.ts";
import { EndpointTable } from "./endpoints.ts";
import { EventTable } from "./events.ts";
import { IdempotencyKeyTable } from "./idempotency-keys.ts";
import { StatsCounter } from "./stats-counter.ts";
import { StatsTable } from "./stats.ts";
import { takeOverLeases } from "./lease-takeover.ts";
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryStore,
  Endpoint,
  EndpointSecret,
  EndpointStore,
  EventStore,
  IngestOutcome,
  MaintenanceStore,
  NewEvent,
  StatsStore,
  Store,
} from "./types.ts";
import { Checkpointer } from "./checkpointer.ts";
import { walSync, type WalSync } from "./wal-sync.ts";
import { WriteQueue } from "./write-queue.ts";

/** Rows the claim's fast path reads at a time. */
const DUE_PAGE = 64;

/** Earliest due first; ties in creation order (ids sort by creation time). */
function inDueOrder(list: ClaimedDelivery[]): ClaimedDelivery[] {
  return list.sort((a, b) => a.delivery.nextAttemptAt! - b.delivery.nextAttemptAt! || (a.delivery.id < b.delivery.id ? -1 : 1));
}

/** Builds the store over an opened, migrated database; `close` is called on close(). */
export interface SqliteStoreOptions {
  checkpointWorkerUrl?: string;
  /** How the WAL is synced; by default an fsync of `<db>-wal` (tests pass one they finish by hand). */
  walSync?: WalSync;
}

export function createSqliteStore(db: Database, close: () => void = () => db.close(), options: SqliteStoreOptions = {}): Store {
  const endpoints = new EndpointTable(db);
  const secrets = new EndpointSecretTable(db);
  const events = new EventTable(db);
  const counter = new StatsCounter(db);
  const deliveries = new DeliveryTable(db, counter);
  const attempts = new AttemptTable(db, counter);
  const idempotency = new IdempotencyKeyTable(db);
  const statsTable = new StatsTable(db);
  // An in-memory database has no WAL to sync: it commits the plain way.
  const wal = options.walSync ?? (db.filename && db.filename !== ":memory:" ? walSync(db.filename) : null);
  const writes = new WriteQueue(db, { participant: counter, ...(wal && { syncWal: wal.sync, syncWalNow: wal.syncNow }) });
  const checkpointer = wal ? new Checkpointer(db.filename, options.checkpointWorkerUrl) : null;
  let storeClosed = false;
  // Deliveries are claimed only once their ingest is on disk, so none is sent
  // for an event a power cut could still take back (whose 202 never came).
  // Rowids grow with each insert, and batches reach the disk in order: when
  // an ingest is answered, every delivery up to its rowid is durable. What
  // is in the table at start is on disk already.
  let durableRowid = deliveries.maxRowid();
  let lastInsertedRowid = 0;
  const leaseDb = openLeaseConnection(db.filename);
  // Leases change no status, so this table's counter never counts.
  const leaseDeliveries = new DeliveryTable(leaseDb, new StatsCounter(leaseDb));
  const probe = db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'probe', 0)");
  const unprobe = db.query("DELETE FROM schema_migrations WHERE version = -1");

  // Ingest matches every event against its tenant's endpoints; this process
  // is the only writer of endpoints (the data dir lock), so a cache cleared
  // on each endpoint write is always current.
  const tenantCache = new Map<string, Endpoint[]>();
  const endpointsChanged = () => tenantCache.clear();

  const endpointStore: EndpointStore = {
    async create(input, now) {
      db.transaction(() => {
        endpoints.insert(input, now);
        secrets.insert(input.id, input.secret, now);
      })();
      endpointsChanged();
      return endpoints.get(input.id)!;
    },
    async get(id) {
      return endpoints.get(id);
    },
    async list({ limit, before, tenant }) {
      return endpoints.list(limit, before, tenant);
    },
    async forTenant(tenant) {
      let list = tenantCache.get(tenant);
      if (!list) {
        list = endpoints.forTenant(tenant);
        tenantCache.set(tenant, list);
      }
      return list;
    },
    async update(id, patch, now) {
      const updated = db.transaction(() => {
        const current = endpoints.get(id);
        if (!current) return null;
        endpoints.update(current, patch, now);
        return endpoints.get(id);
      })();
      endpointsChanged();
      return updated;
    },
    async setState(id, state, now) {
      const updated = db.transaction(() => {
        if (!endpoints.get(id)) return null;
        if (state.enabled) endpoints.enable(id, now);
        else endpoints.disable(id, state.reason, now);
        return endpoints.get(id);
      })();
      endpointsChanged();
      return updated;
    },
    async remove(id, now) {
      // Through the write queue: failing the pending deliveries counts for stats.
      const removed = await writes.run(() => {
        if (!endpoints.delete(id)) return null;
        return { failedDeliveries: deliveries.failPendingForEndpoint(id, "endpoint_deleted", now) };
      });
      endpointsChanged();
      return removed;
    },
    async activeSecrets(id, now) {
      return secrets.active(id, now);
    },
    async rotateSecret(id, secret, now, overlapMs, keepPrevious): Promise<EndpointSecret[] | null> {
      return db.transaction(() => {
        if (!endpoints.get(id)) return null;
        secrets.retireCurrent(id, now + overlapMs);
        secrets.insert(id, secret, now);
        secrets.prune(id, now, keepPrevious);
        return secrets.active(id, now);
      })();
    },
  };

  /** One event, its deliveries and its idempotency key; runs inside a WriteQueue batch. */
  function ingestOne(item: NewEvent, now: number): IngestOutcome {
    const { event } = item;
    if (item.idempotency) {
      const seen = idempotency.get(event.tenant, item.idempotency.key);
      if (seen) return seen.request_hash === item.idempotency.requestHash ? { kind: "replayed", response: seen.response } : { kind: "conflict" };
    }
    events.insert(event, now);
    for (const d of item.deliveries) {
      const disabled = d.status === "failed";
      lastInsertedRowid = deliveries.insert(d, event, disabled ? 1 : 0, now);
      if (disabled) {
        // Recorded as an attempt too, so the delivery log says why nothing was sent.
        attempts.insert(
          unsentAttempt({
            id: item.disabledAttemptIds[d.id]!,
            deliveryId: d.id,
            endpointId: d.endpointId,
            n: 1,
            startedAt: now,
            error: "endpoint_disabled",
            nextAttemptAt: null,
            isTest: event.isTest,
          }),
          { tenant: event.tenant, createdAt: now },
        );
      }
    }
    if (item.idempotency) {
      idempotency.insert(event.tenant, item.idempotency.key, item.idempotency.requestHash, item.idempotency.response, now);
    }
    return { kind: "created" };
  }

  const eventStore: EventStore = {
    ingest(items, now) {
      return Promise.all(
        items.map((item) =>
          writes
            .run(() => {
              lastInsertedRowid = 0;
              return { outcome: ingestOne(item, now), rowid: lastInsertedRowid };
            })
            .then(({ outcome, rowid }) => {
              // Answered only once on disk: its deliveries, and all before them, may now be claimed.
              if (rowid > durableRowid) durableRowid = rowid;
              return outcome;
            }),
        ),
      );
    },
    async get(id) {
      return events.get(id);
    },
  };

  /** The attempt row, the delivery's next state and the endpoint's health; inside a WriteQueue batch. */
  function recordOne(record: AttemptRecord, now: number): void {
    const { attempt, delivery, next, health } = record;
    attempts.insert({ ...attempt, endpointId: delivery.endpointId, isTest: delivery.isTest }, delivery);
    const lastError =
      attempt.error === null ? null : attempt.error === "http_status" || attempt.error === "redirect" ? `HTTP ${attempt.statusCode}` : attempt.error;
    deliveries.finish(delivery, next.status, next.status === "pending" ? next.at : null, next.status === "succeeded" ? null : lastError, now);
    if (health === null || delivery.endpointId === null) return;
    if (health.success) {
      endpoints.recordSuccess(delivery.endpointId, now);
      return;
    }
    endpoints.recordFailure(delivery.endpointId, attempt.startedAt);
    const endpoint = endpoints.get(delivery.endpointId);
    if (!endpoint || endpoint.state !== "enabled") return;
    if (health.gone) {
      endpoints.disable(endpoint.id, "gone", now);
      endpointsChanged();
    } else if (health.disableAfterMs > 0 && endpoint.failingSince !== null && now - endpoint.failingSince >= health.disableAfterMs) {
      endpoints.disable(endpoint.id, "auto_failing", now);
      endpointsChanged();
    }
  }

  const deliveryStore: DeliveryStore = {
    async get(id) {
      return deliveries.get(id);
    },
    async list(query) {
      return deliveries.list(query);
    },
    async forEvent(eventId) {
      return deliveries.forEvent(eventId);
    },
    async attempts(deliveryId) {
      return attempts.forDelivery(deliveryId);
    },
    async claimDue(now, limit, leaseMs, capacity) {
      return leaseDb.transaction(() => {
        const taken = new Map<string, number>();
        const claimed: ClaimedDelivery[] = [];
        const full = new Set(capacity.full);
        const roomOf = (ep: string) => (full.has(ep) ? 0 : capacity.room(ep) - (taken.get(ep) ?? 0));
        const take = (c: ClaimedDelivery) => {
          const ep = c.delivery.endpointId;
          if (ep !== null) taken.set(ep, (taken.get(ep) ?? 0) + 1);
          leaseDeliveries.lease(c.delivery.id, now + leaseMs, now);
          claimed.push({ ...c, delivery: { ...c.delivery, leaseUntil: now + leaseMs } });
        };
        // Fast path, while no endpoint is at its limit: the earliest due work,
        // whoever it belongs to. It is done when nothing in the window had to
        // be passed over for lack of room. At the first row that must be
        // passed over it hands on to the per-endpoint seeks below: reading on
        // would mostly read that endpoint's backlog (an endpoint with a few
        // slots left and a deep backlog made every claim read 2 × limit rows
        // to take a handful).
        // Read in pages: a taken row is leased, so it leaves the due range and
        // the next page starts after it.
        if (capacity.full.length === 0) {
          let passedOver = false;
          let more = true;
          while (more && !passedOver && claimed.length < limit) {
            const size = Math.min(DUE_PAGE, limit - claimed.length);
            const page = leaseDeliveries.dueWindow(now, size, durableRowid);
            const before = claimed.length;
            for (const { rid, endpointId: ep } of page) {
              if (ep !== null && roomOf(ep) <= 0) {
                passedOver = true;
                break;
              }
              const c = leaseDeliveries.byRowid(rid);
              if (c) take(c);
            }
            // A row that could not be loaded stays due: without progress, stop rather than read it again.
            more = page.length === size && claimed.length > before;
          }
          if (!passedOver) return inDueOrder(claimed);
        }
        // Some endpoint is full (often one with a deep backlog): ask each
        // endpoint with room for its earliest due work, by index seeks, so
        // the cost follows the number of endpoints, never the backlog.
        const offers: ClaimedDelivery[] = leaseDeliveries.dueFor(null, now, limit - claimed.length, durableRowid);
        for (const ep of leaseDeliveries.pendingEndpoints()) {
          const room = Math.min(roomOf(ep), limit - claimed.length);
          if (room > 0) offers.push(...leaseDeliveries.dueFor(ep, now, room, durableRowid));
        }
        for (const c of inDueOrder(offers)) {
          if (claimed.length >= limit) break;
          const ep = c.delivery.endpointId;
          if (ep === null || roomOf(ep) > 0) take(c);
        }
        return inDueOrder(claimed);
      }).immediate();
    },
    async earliestDue() {
      return deliveries.earliestDue();
    },
    recordAttempt(record, now) {
      // Not waiting for the fsync: losing this record to a power cut only
      // means the attempt is made again (the delivery is still pending and
      // due on disk), which at-least-once delivery allows. The next durable
      // write's fsync, or the checkpoint within a second (it syncs the WAL
      // first), makes it durable anyway.
      return writes.run(() => recordOne(record, now), { durable: false });
    },
    async retry(id, now) {
      const d = deliveries.get(id);
      if (!d) return "not_found";
      if (d.status === "pending") return "pending";
      return (await writes.run(() => deliveries.requeue(id, now))) ? "queued" : "pending";
    },
    recover(endpointId, since, now) {
      return writes.run(() => deliveries.recover(endpointId, since, now));
    },
    takeOverLeases(now, newAttemptId) {
      return writes.run(() => takeOverLeases(deliveries, attempts, now, newAttemptId));
    },
    shiftSchedule(stepMs, writtenBefore) {
      return writes.run(() => deliveries.shift(stepMs, writtenBefore));
    },
  };

  const maintenance: MaintenanceStore = {
    async autoDisable(failingBefore, now) {
      const ids = await writes.run(() => {
        const found = endpoints.failingSince(failingBefore);
        for (const id of found) endpoints.disable(id, "auto_failing", now);
        return found;
      });
      if (ids.length > 0) endpointsChanged();
      return ids;
    },
    pruneEvents(before, limit) {
      return writes.run(() => events.prune(before, limit));
    },
    pruneIdempotencyKeys(before) {
      return writes.run(() => idempotency.prune(before));
    },
    pruneStats(now) {
      return writes.run(() => statsTable.prune(now));
    },
    foldStats() {
      return writes.run(() => statsTable.fold());
    },
    async checkpoint() {
      if (checkpointer) await checkpointer.checkpoint();
      else db.run("PRAGMA wal_checkpoint(PASSIVE)");
    },
  };

  // Reads only: the rollups plus the minute rows the counter wrote since
  // the last fold, so a report is exact whenever it runs.
  const stats: StatsStore = {
    async report(query) {
      return statsTable.report(query);
    },
    async backlog() {
      return statsTable.backlog();
    },
  };

  return {
    endpoints: endpointStore,
    events: eventStore,
    deliveries: deliveryStore,
    maintenance,
    stats,
    async checkWritable() {
      // A row written and deleted in one transaction: proves a commit reaches the disk, leaves no trace.
      await writes.run(() => {
        probe.run();
        unprobe.run();
      });
    },
    async close() {
      // Twice is harmless: the second call finds everything closed.
      if (storeClosed) return;
      storeClosed = true;
      writes.close();
      // Before the main connection, so that one closes last and removes the
      // WAL. Only awaited when there is a worker: otherwise close() finishes
      // in this turn, as callers that close the database right after expect.
      if (checkpointer?.started) await checkpointer.close();
      // The last checkpoint on this thread: nothing is left to keep waiting
      // (a worker starting now would not even keep the process alive).
      db.run("PRAGMA wal_checkpoint(PASSIVE)");
      leaseDb.close();
      close();
      wal?.close();
    },
  };
}
