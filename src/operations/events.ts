/**
 * The event use cases: taking events in (through src/ingest/, which does
 * the work) and reading one back with its deliveries.
 */
import { NotFound } from "../domain/errors.ts";
import type { StoredEvent } from "../domain/model.ts";
import type { EventInput, IngestResult } from "../ingest/ingest.ts";
import type { DeliveryRecord } from "./deliveries.ts";
import type { OperationDeps } from "./deps.ts";
import type { Principal } from "./principal.ts";
import { canSee, requireAdmin } from "./scope.ts";

export type { EventInput, IngestResult };

export type EventOperations = ReturnType<typeof eventOperations>;

export function eventOperations(deps: OperationDeps) {
  const { store } = deps;
  return {
    /**
     * Commits every event (each on its own: one bad item does not sink the
     * others) and answers in order; a reused idempotency key is a result
     * of kind "conflict", not an error, so a batch reports it per item.
     */
    async ingest(principal: Principal, inputs: EventInput[]): Promise<IngestResult[]> {
      requireAdmin(principal);
      return deps.ingest.accept(inputs);
    },

    /** One event with every delivery made for it. */
    async get(principal: Principal, id: string): Promise<{ event: StoredEvent; deliveries: DeliveryRecord[] }> {
      const event = await store.events.get(id);
      if (!event || !canSee(principal, event)) throw new NotFound("event", id);
      return { event, deliveries: await store.deliveries.forEvent(id) };
    },
  };
}
