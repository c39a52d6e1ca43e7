/**
 * The Test button: sign and send a sample event to one endpoint now, through
 * the same deliverer, client and address guard as real traffic. The event
 * and delivery are kept in the log flagged as a test, are never retried, and
 * leave the endpoint's health and the stats alone.
 */
import type { Config } from "../config/schema.ts";
import { subscribesTo } from "../domain/event-types.ts";
import type { Ingest } from "../ingest/ingest.ts";
import type { Store } from "../store/contract.ts";
import type { Attempt, Delivery, Endpoint } from "../domain/model.ts";
import type { Deliverer } from "./deliver.ts";

/** The type used when there is no catalog and the caller names none. */
export const DEFAULT_TEST_EVENT_TYPE = "webhook.test";

export interface TestSendResult {
  delivery: Delivery;
  attempt: Attempt;
}

export type TestSender = (endpoint: Endpoint, eventType?: string) => Promise<TestSendResult>;

export function createTestSender(deps: { config: Config; ingest: Ingest; store: Store; deliver: Deliverer; leaseMs: number; owner: string }): TestSender {
  const { config, ingest, store, deliver } = deps;
  return async (endpoint, eventType) => {
    const type = eventType ?? defaultType(config, endpoint);
    const example = config.event_types.find((t) => t.name === type)?.example;
    const data = example && Object.keys(example).length > 0 ? example : { test: true, message: "A test event from hookgate" };
    const [result] = await ingest.accept([{ type, tenant: endpoint.tenant, data }], { test: { target: endpoint, leaseMs: deps.leaseMs, owner: deps.owner } });
    if (result?.kind !== "accepted") throw new Error("a test event without an idempotency key cannot conflict");
    const deliveryId = result.body.deliveries[0]!.id;
    const delivery = (await store.deliveries.get(deliveryId))!;
    const event = (await store.events.get(result.body.id))!;
    const record = await deliver({ delivery, payload: event.payload });
    if (record) await store.deliveries.recordAttempt({ record, now: record.attempt.startedAt + record.attempt.durationMs });
    const attempts = await store.deliveries.attempts(deliveryId);
    return { delivery: (await store.deliveries.get(deliveryId))!, attempt: attempts.at(-1)! };
  };
}

/** The first catalog type the endpoint subscribes to, else the catalog's first, else webhook.test. */
function defaultType(config: Config, endpoint: Endpoint): string {
  const names = config.event_types.map((t) => t.name);
  return names.find((n) => subscribesTo(endpoint.eventTypes, n)) ?? names[0] ?? DEFAULT_TEST_EVENT_TYPE;
}
