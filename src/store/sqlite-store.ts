/**
 * The SQLite implementation of Store: composes the per-table modules and
 * runs multi-table changes in one transaction.
 */
import type { Database } from "bun:sqlite";
import { DeliveryTable } from "./deliveries.ts";
import { EndpointSecretTable } from "./endpoint-secrets.ts";
import { EndpointTable } from "./endpoints.ts";
import type { EndpointStore, EndpointSecret, Store } from "./types.ts";

/** Builds the store over an opened, migrated database; `close` is called on close(). */
export function createSqliteStore(db: Database, close: () => void = () => db.close()): Store {
  const endpoints = new EndpointTable(db);
  const secrets = new EndpointSecretTable(db);
  const deliveries = new DeliveryTable(db);
  const probe = db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (-1, 'probe', 0)");
  const unprobe = db.query("DELETE FROM schema_migrations WHERE version = -1");

  const endpointStore: EndpointStore = {
    async create(input, now) {
      db.transaction(() => {
        endpoints.insert(input, now);
        secrets.insert(input.id, input.secret, now);
      })();
      return endpoints.get(input.id)!;
    },
    async get(id) {
      return endpoints.get(id);
    },
    async list({ limit, before, tenant }) {
      return endpoints.list(limit, before, tenant);
    },
    async update(id, patch, now) {
      return db.transaction(() => {
        const current = endpoints.get(id);
        if (!current) return null;
        endpoints.update(current, patch, now);
        return endpoints.get(id);
      })();
    },
    async setState(id, state, now) {
      return db.transaction(() => {
        if (!endpoints.get(id)) return null;
        if (state.enabled) endpoints.enable(id, now);
        else endpoints.disable(id, state.reason, now);
        return endpoints.get(id);
      })();
    },
    async remove(id, now) {
      return db.transaction(() => {
        const removed = endpoints.delete(id);
        if (removed) deliveries.failPendingForEndpoint(id, "endpoint_deleted", now);
        return removed;
      })();
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

  return {
    endpoints: endpointStore,
    async checkWritable() {
      // A row written and deleted in one transaction: proves a commit reaches the disk, leaves no trace.
      db.transaction(() => {
        probe.run();
        unprobe.run();
      })();
    },
    async close() {
      close();
    },
  };
}
