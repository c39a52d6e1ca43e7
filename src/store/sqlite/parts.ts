/**
 * What the SQLite backend's facets share: the per-table statements on both
 * connections, the write queue, and the state only this process holds.
 */
import type { Database } from "bun:sqlite";
import type { Endpoint } from "../../domain/model.ts";
import { StoreUnavailableError } from "../errors.ts";
import { AttemptTable } from "./attempts.ts";
import { DeliveryTable } from "./deliveries.ts";
import { DueDeliveries } from "./due-deliveries.ts";
import { EndpointSecretTable } from "./endpoint-secrets.ts";
import { EndpointTable } from "./endpoints.ts";
import { EventTable } from "./events.ts";
import { IdempotencyKeyTable } from "./idempotency-keys.ts";
import { StatsCounter } from "./stats-counter.ts";
import { StatsTable } from "./stats.ts";
import type { WriteQueue } from "./write-queue.ts";

/**
 * Ingest matches every event against its tenant's endpoints. This process
 * is the only writer of the database (the data dir lock), so a cache cleared
 * on each endpoint write, before that write is answered, is always current.
 */
export class TenantEndpointCache {
  private readonly byTenant = new Map<string, Endpoint[]>();

  get(tenant: string, load: () => Endpoint[]): Endpoint[] {
    let list = this.byTenant.get(tenant);
    if (!list) {
      list = load();
      this.byTenant.set(tenant, list);
    }
    return list;
  }

  clear(): void {
    this.byTenant.clear();
  }
}

/**
 * Deliveries are claimed only once their ingest is on disk, so none is sent
 * for an event a power cut could still take back (whose 202 never came).
 * Rowids grow with each insert, and batches reach the disk in order: when an
 * ingest is answered, every delivery up to its rowid is durable. What is in
 * the table at start is on disk already.
 */
export interface DurableHorizon {
  rowid: number;
}

export interface SqliteParts {
  db: Database;
  endpoints: EndpointTable;
  secrets: EndpointSecretTable;
  events: EventTable;
  deliveries: DeliveryTable;
  attempts: AttemptTable;
  idempotency: IdempotencyKeyTable;
  statsTable: StatsTable;
  counter: StatsCounter;
  writes: WriteQueue;
  /** The lease connection and its statements: claims write leases beside the write queue's batches. */
  leaseDb: Database;
  due: DueDeliveries;
  tenantCache: TenantEndpointCache;
  durable: DurableHorizon;
  /** Throws StoreUnavailableError once the store is closed: for the paths that do not go through the write queue. */
  assertOpen(): void;
}

export function createParts(db: Database, leaseDb: Database, writes: WriteQueue, counter: StatsCounter, isClosed: () => boolean): SqliteParts {
  const deliveries = new DeliveryTable(db, counter);
  return {
    db,
    endpoints: new EndpointTable(db),
    secrets: new EndpointSecretTable(db),
    events: new EventTable(db),
    deliveries,
    attempts: new AttemptTable(db, counter),
    idempotency: new IdempotencyKeyTable(db),
    statsTable: new StatsTable(db),
    counter,
    writes,
    leaseDb,
    due: new DueDeliveries(leaseDb),
    tenantCache: new TenantEndpointCache(),
    durable: { rowid: deliveries.maxRowid() },
    assertOpen() {
      if (isClosed()) throw new StoreUnavailableError("the database is closed (hookgate is stopping); nothing was written");
    },
  };
}
