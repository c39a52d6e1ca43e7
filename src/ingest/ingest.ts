/**
 * Ingest: turns a validated event into the event row and one delivery per
 * matching endpoint of its tenant (plus one for a callback_url), commits them
 * durably, then wakes the dispatcher. Matching endpoints that are disabled
 * get a delivery recorded failed (endpoint_disabled), so nothing is dropped
 * and `recover` can send it later.
 */
import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import { subscribesTo } from "../domain/event-types.ts";
import type { IdGenerator } from "../domain/ids.ts";
import { formatRfc3339 } from "../domain/rfc3339.ts";
import { noObserver, type DeliveryObserver } from "../metrics/observer.ts";
import type { NewDelivery, EventCommit, Store } from "../store/contract.ts";
import type { Endpoint } from "../domain/model.ts";

export interface EventInput {
  type: string;
  tenant: string;
  data: Record<string, unknown>;
  /** The event's own time; defaults to now. */
  timestamp?: number | undefined;
  callbackUrl?: string | undefined;
  idempotencyKey?: string | undefined;
}

/** The 202 body: the event id and one entry per delivery made. */
export interface AcceptedEvent {
  id: string;
  deliveries: { id: string; endpoint_id: string | null }[];
}

export type IngestResult = { kind: "accepted"; body: AcceptedEvent; replayed: boolean } | { kind: "conflict"; key: string };

export interface IngestDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** Called after a commit that created deliveries. */
  wake: () => void;
  /** Hears of each committed new event (not replays, not test sends); for the metrics. */
  observer?: DeliveryObserver;
}

export interface AcceptOptions {
  /** A test send: goes to `target` alone (enabled or not), already leased by the caller (node id `owner`) for `leaseMs`. */
  test?: { target: Endpoint; leaseMs: number; owner: string };
}

export interface Ingest {
  /** Commits every input (each on its own: one bad item does not sink the others) and answers in order. */
  accept(inputs: EventInput[], options?: AcceptOptions): Promise<IngestResult[]>;
}

/**
 * Renders the exact body subscribers receive; stored once, signed and sent as
 * is on every attempt. The timestamp is whole seconds, "2024-01-15T10:30:00Z"
 * (a fraction the producer sent is dropped from the payload).
 */
export function renderPayload(id: string, type: string, timestamp: number, data: Record<string, unknown>): string {
  return JSON.stringify({ id, event: type, timestamp: formatRfc3339(timestamp, "seconds"), data });
}

export function createIngest(deps: IngestDeps): Ingest {
  const { store, clock, ids } = deps;
  const observer = deps.observer ?? noObserver;

  async function plan(input: EventInput, now: number, test: AcceptOptions["test"]): Promise<{ item: EventCommit; body: AcceptedEvent }> {
    const id = ids("evt");
    const occurredAt = input.timestamp ?? now;
    const deliveries: NewDelivery[] = [];
    if (test) {
      // Already leased by the caller, who makes the attempt itself; the
      // dispatcher only picks it up if that caller dies mid-way.
      const lease = { owner: test.owner, until: now + test.leaseMs };
      deliveries.push({ id: ids("dlv"), endpointId: test.target.id, url: test.target.url, status: "pending", lastError: null, dueAt: lease.until, lease });
    }
    const dueAt = now;
    const lease = null;
    for (const endpoint of test ? [] : await store.endpoints.forTenant(input.tenant)) {
      if (!subscribesTo(endpoint.eventTypes, input.type)) continue;
      const deliveryId = ids("dlv");
      if (endpoint.state === "enabled") {
        deliveries.push({ id: deliveryId, endpointId: endpoint.id, url: endpoint.url, status: "pending", lastError: null, dueAt, lease });
      } else {
        deliveries.push({
          id: deliveryId,
          endpointId: endpoint.id,
          url: endpoint.url,
          status: "failed",
          lastError: "endpoint_disabled",
          dueAt: null,
          lease: null,
          unsentAttemptId: ids("att"),
        });
      }
    }
    if (input.callbackUrl !== undefined) {
      deliveries.push({ id: ids("dlv"), endpointId: null, url: input.callbackUrl, status: "pending", lastError: null, dueAt, lease });
    }
    const body: AcceptedEvent = { id, deliveries: deliveries.map((d) => ({ id: d.id, endpoint_id: d.endpointId })) };
    const item: EventCommit = {
      event: {
        id,
        tenant: input.tenant,
        type: input.type,
        payload: renderPayload(id, input.type, occurredAt, input.data),
        occurredAt,
        callbackUrl: input.callbackUrl ?? null,
        isTest: test !== undefined,
      },
      deliveries,
      idempotency:
        input.idempotencyKey === undefined ? null : { key: input.idempotencyKey, requestHash: requestHash(input), response: JSON.stringify(body) },
    };
    return { item, body };
  }

  return {
    async accept(inputs, options = {}) {
      const now = clock.now();
      const planned = await Promise.all(inputs.map((input) => plan(input, now, options.test)));
      const outcomes = await store.events.commit({ items: planned.map((p) => p.item), now });
      const results = outcomes.map((outcome, i): IngestResult => {
        const { body } = planned[i]!;
        if (outcome.kind === "created") return { kind: "accepted", body, replayed: false };
        if (outcome.kind === "replayed") return { kind: "accepted", body: JSON.parse(outcome.response) as AcceptedEvent, replayed: true };
        return { kind: "conflict", key: inputs[i]!.idempotencyKey! };
      });
      if (!options.test) {
        outcomes.forEach((o, i) => {
          if (o.kind === "created") observer.eventAccepted(planned[i]!.item.deliveries.filter((d) => d.status === "failed").length);
        });
      }
      if (!options.test && outcomes.some((o, i) => o.kind === "created" && planned[i]!.item.deliveries.some((d) => d.status === "pending"))) {
        deps.wake();
      }
      return results;
    },
  };
}

/** What makes two requests "the same" for an Idempotency-Key: every field the caller sent. */
function requestHash(input: EventInput): string {
  const canonical = JSON.stringify([input.type, input.tenant, input.data, input.timestamp ?? null, input.callbackUrl ?? null]);
  return createHash("sha256").update(canonical).digest("hex");
}
