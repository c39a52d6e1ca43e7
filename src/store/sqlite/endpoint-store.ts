/** The endpoints facet of the SQLite backend: endpoint rows, their secrets, the tenant cache. */
import type { EndpointStore } from "../contract.ts";
import type { SqliteParts } from "./parts.ts";

export function createEndpointStore(parts: SqliteParts): EndpointStore {
  const { endpoints, secrets, deliveries, writes, tenantCache } = parts;
  /** Every endpoint write goes through the write queue: one writer, durable, StoreUnavailableError when it cannot commit. */
  async function write<T>(op: () => T): Promise<T> {
    try {
      return await writes.run(op);
    } finally {
      // Cleared whatever the outcome, before the caller hears of it.
      tenantCache.clear();
    }
  }
  return {
    async create({ endpoint, now }) {
      await write(() => {
        endpoints.insert(endpoint, now);
        secrets.insert(endpoint.id, endpoint.secret, now);
      });
      return endpoints.get(endpoint.id)!;
    },
    async get(id) {
      return endpoints.get(id);
    },
    async list({ limit, before, tenant }) {
      return endpoints.list(limit, before, tenant);
    },
    async forTenant(tenant) {
      return tenantCache.get(tenant, () => endpoints.forTenant(tenant));
    },
    update({ id, patch, now }) {
      return write(() => {
        const current = endpoints.get(id);
        if (!current) return null;
        endpoints.update(current, patch, now);
        return endpoints.get(id);
      });
    },
    setState({ id, state, now }) {
      return write(() => {
        if (!endpoints.get(id)) return null;
        if (state.enabled) endpoints.enable(id, now);
        else endpoints.disable(id, state.reason, now);
        return endpoints.get(id);
      });
    },
    remove({ id, now }) {
      return write(() => {
        if (!endpoints.delete(id)) return null;
        return { failedDeliveries: deliveries.failPendingForEndpoint(id, "endpoint_deleted", now) };
      });
    },
    async activeSecrets({ id, now }) {
      return secrets.active(id, now);
    },
    rotateSecret({ id, secret, now, overlapMs, keepPrevious }) {
      return writes.run(() => {
        if (!endpoints.get(id)) return null;
        secrets.retireCurrent(id, now + overlapMs);
        secrets.insert(id, secret, now);
        secrets.prune(id, now, keepPrevious);
        return secrets.active(id, now);
      });
    },
  };
}
