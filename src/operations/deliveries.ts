/**
 * The delivery use cases: one delivery with its attempts, the delivery log,
 * retry, and recovering an endpoint's failed deliveries.
 */
import { Conflict, NotFound } from "../domain/errors.ts";
import type { Attempt, Delivery, DeliveryStatus, Endpoint, StoredEvent } from "../domain/model.ts";
import type { OperationDeps } from "./deps.ts";
import type { EndpointOperations } from "./endpoints.ts";
import { fetchSize, pageOf, type Page, type PageRequest } from "./paging.ts";
import type { Principal } from "./principal.ts";
import { canSee, tenantFilter } from "./scope.ts";

/**
 * A delivery as the faces see it. Its lease is left out: who holds the
 * work and until when is the dispatcher's business, and no face shows it.
 */
export type DeliveryRecord = Omit<Delivery, "lease">;

/** The delivery log's filters. */
export interface DeliveryFilter extends PageRequest {
  status?: DeliveryStatus | undefined;
  endpointId?: string | undefined;
  tenant?: string | undefined;
  eventType?: string | undefined;
}

export type DeliveryOperations = ReturnType<typeof deliveryOperations>;

export function deliveryOperations(deps: OperationDeps, endpoints: EndpointOperations) {
  const { store, clock } = deps;

  async function find(principal: Principal, id: string): Promise<DeliveryRecord> {
    const delivery = await store.deliveries.get(id);
    if (!delivery || !canSee(principal, delivery)) throw new NotFound("delivery", id);
    return delivery;
  }

  return {
    /** One delivery with every attempt, oldest first. */
    async get(principal: Principal, id: string): Promise<{ delivery: DeliveryRecord; attempts: Attempt[] }> {
      const delivery = await find(principal, id);
      return { delivery, attempts: await store.deliveries.attempts(id) };
    },

    /** The event a delivery carries and the endpoint it goes to; each null once pruned, deleted or a callback_url. */
    async origin(principal: Principal, delivery: DeliveryRecord): Promise<{ event: StoredEvent | null; endpoint: Endpoint | null }> {
      const [event, endpoint] = await Promise.all([
        store.events.get(delivery.eventId),
        delivery.endpointId === null ? null : store.endpoints.get(delivery.endpointId),
      ]);
      return { event: event && canSee(principal, event) ? event : null, endpoint: endpoint && canSee(principal, endpoint) ? endpoint : null };
    },

    /** The delivery log, newest first, filtered. */
    async list(principal: Principal, filter: DeliveryFilter): Promise<Page<DeliveryRecord>> {
      const rows = await store.deliveries.list({
        limit: fetchSize(filter.limit),
        before: filter.cursor,
        status: filter.status,
        endpointId: filter.endpointId,
        tenant: tenantFilter(principal, filter.tenant),
        eventType: filter.eventType,
      });
      return pageOf<DeliveryRecord>(rows, filter.limit);
    },

    /** Queues a finished delivery again at once; refused while it has nowhere to go or is still pending. */
    async retry(principal: Principal, id: string): Promise<DeliveryRecord> {
      const delivery = await find(principal, id);
      if (delivery.endpointId !== null) {
        const endpoint = await store.endpoints.get(delivery.endpointId);
        if (!endpoint) throw new Conflict(`endpoint ${delivery.endpointId} was deleted; nothing to send this delivery to`);
        if (endpoint.state === "disabled") throw new Conflict(`endpoint ${endpoint.id} is disabled; enable it first`);
      }
      const outcome = await store.deliveries.retry({ id, now: clock.now() });
      if (outcome === "not_found") throw new NotFound("delivery", id);
      if (outcome === "pending") throw new Conflict(`delivery ${id} is already pending`);
      deps.wake();
      return find(principal, id);
    },

    /** Queues again every failed delivery of the endpoint created since `since`; returns how many. */
    async recover(principal: Principal, endpointId: string, since: number): Promise<number> {
      const endpoint = await endpoints.get(principal, endpointId);
      if (endpoint.state === "disabled") throw new Conflict(`endpoint ${endpoint.id} is disabled; enable it first, then recover`);
      const queued = await store.deliveries.recover({ endpointId: endpoint.id, since, now: clock.now() });
      if (queued > 0) deps.wake();
      return queued;
    },
  };
}
