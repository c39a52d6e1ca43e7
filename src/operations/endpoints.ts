/** The endpoint use cases: create, read, list, change, switch on and off, delete, and its secrets. */
import { NotFound } from "../domain/errors.ts";
import type { Endpoint, EndpointSecret } from "../domain/model.ts";
import { generateSecret } from "../domain/secret.ts";
import type { OperationDeps } from "./deps.ts";
import type { EndpointCreate, EndpointPatch } from "./input/endpoint.ts";
import { fetchSize, pageOf, type Page, type PageRequest } from "./paging.ts";
import type { Principal } from "./principal.ts";
import { canSee, tenantFilter, tenantForNew } from "./scope.ts";

/** How long a rotated-out secret keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** How many rotated-out secrets are kept at most. */
export const MAX_PREVIOUS_SECRETS = 10;

export type EndpointOperations = ReturnType<typeof endpointOperations>;

export function endpointOperations(deps: OperationDeps) {
  const { store, clock } = deps;

  /** The endpoint, or NotFound when it does not exist or is out of the principal's scope. */
  async function get(principal: Principal, id: string): Promise<Endpoint> {
    const endpoint = await store.endpoints.get(id);
    if (!endpoint || !canSee(principal, endpoint)) throw new NotFound("endpoint", id);
    return endpoint;
  }

  /** A changed endpoint as the store answered it; null (gone meanwhile) is NotFound too. */
  function found(id: string, endpoint: Endpoint | null): Endpoint {
    if (!endpoint) throw new NotFound("endpoint", id);
    return endpoint;
  }

  return {
    get,

    /** Creates an endpoint; returns it with its secret (given, or generated). */
    async create(principal: Principal, input: EndpointCreate): Promise<{ endpoint: Endpoint; secret: string }> {
      const secret = input.secret ?? generateSecret(deps.randomBytes);
      const endpoint = await store.endpoints.create({
        endpoint: {
          id: deps.ids("ep"),
          tenant: tenantForNew(principal, input.tenant),
          url: input.url,
          description: input.description,
          eventTypes: input.event_types,
          headers: input.headers,
          metadata: input.metadata,
          secret,
        },
        now: clock.now(),
      });
      return { endpoint, secret };
    },

    /** Newest first, optionally one tenant's. */
    async list(principal: Principal, query: PageRequest & { tenant?: string | undefined }): Promise<Page<Endpoint>> {
      const rows = await store.endpoints.list({ limit: fetchSize(query.limit), before: query.cursor, tenant: tenantFilter(principal, query.tenant) });
      return pageOf(rows, query.limit);
    },

    /** Applies the fields given. */
    async update(principal: Principal, id: string, patch: EndpointPatch): Promise<Endpoint> {
      await get(principal, id);
      const updated = await store.endpoints.update({
        id,
        patch: {
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.description !== undefined && { description: patch.description }),
          ...(patch.event_types !== undefined && { eventTypes: patch.event_types }),
          ...(patch.headers !== undefined && { headers: patch.headers }),
          ...(patch.metadata !== undefined && { metadata: patch.metadata }),
        },
        now: clock.now(),
      });
      return found(id, updated);
    },

    /** Switches it on again; the failure streak is cleared. */
    async enable(principal: Principal, id: string): Promise<Endpoint> {
      await get(principal, id);
      return found(id, await store.endpoints.setState({ id, state: { enabled: true }, now: clock.now() }));
    },

    /** Switches it off by hand (disabled_reason "manual"). */
    async disable(principal: Principal, id: string): Promise<Endpoint> {
      await get(principal, id);
      return found(id, await store.endpoints.setState({ id, state: { enabled: false, reason: "manual" }, now: clock.now() }));
    },

    /** Deletes it; its pending deliveries end failed (endpoint_deleted) and are counted in the metrics. */
    async remove(principal: Principal, id: string): Promise<{ failedDeliveries: number }> {
      await get(principal, id);
      const removed = await store.endpoints.remove({ id, now: clock.now() });
      if (!removed) throw new NotFound("endpoint", id);
      deps.metrics.endpointDeleted(id, removed.failedDeliveries);
      return removed;
    },

    /** The current secret first, then the rotated-out ones still signing. */
    async secrets(principal: Principal, id: string): Promise<EndpointSecret[]> {
      await get(principal, id);
      return store.endpoints.activeSecrets({ id, now: clock.now() });
    },

    /** Makes a new current secret (given, or generated); the old one keeps signing for ROTATION_OVERLAP_MS. */
    async rotateSecret(principal: Principal, id: string, given?: string): Promise<EndpointSecret[]> {
      await get(principal, id);
      const secret = given ?? generateSecret(deps.randomBytes);
      const secrets = await store.endpoints.rotateSecret({ id, secret, now: clock.now(), overlapMs: ROTATION_OVERLAP_MS, keepPrevious: MAX_PREVIOUS_SECRETS });
      if (!secrets) throw new NotFound("endpoint", id);
      return secrets;
    },
  };
}
