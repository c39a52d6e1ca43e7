/**
 * Known traffic for stats tests, written through the store's own paths
 * (events.ingest, deliveries.recordAttempt), so the rollup triggers see
 * exactly what the daemon would write.
 */
import type { IdGenerator } from "../../src/domain/ids.ts";
import type { AttemptRecord, NewDelivery, Store } from "../../src/store/contract.ts";
import type { Delivery, Endpoint } from "../../src/domain/model.ts";
import { renderPayload } from "../../src/ingest/ingest.ts";

export interface TrafficWriter {
  /** One event at `at` with a pending delivery (failed when the endpoint is disabled) per endpoint; null = a callback_url delivery. */
  event(endpoints: (Endpoint | null)[], at: number, options?: { tenant?: string; isTest?: boolean }): Promise<Delivery[]>;
  /**
   * One attempt on `delivery`: 2xx when `error` is absent, else a failure
   * (http_status with a 500 unless another error is named). `final`
   * ends a failure as failed instead of pending again.
   */
  attempt(delivery: Delivery, startedAt: number, durationMs: number, options?: { error?: string; final?: boolean }): Promise<Delivery>;
}

export function trafficWriter(store: Store, ids: IdGenerator): TrafficWriter {
  return {
    async event(endpoints, at, options = {}) {
      const id = ids("evt");
      const tenant = options.tenant ?? endpoints.find((e) => e !== null)?.tenant ?? "default";
      const rows: NewDelivery[] = [];
      for (const ep of endpoints) {
        const deliveryId = ids("dlv");
        const disabled = ep?.state === "disabled";
        rows.push({
          id: deliveryId,
          endpointId: ep?.id ?? null,
          url: ep?.url ?? "https://callback.example.com/one-off",
          status: disabled ? "failed" : "pending",
          lastError: disabled ? "endpoint_disabled" : null,
          dueAt: disabled ? null : at,
          lease: null,
          ...(disabled && { unsentAttemptId: ids("att") }),
        });
      }
      const outcome = await store.events.commit({ items: [
          {
            event: {
              id,
              tenant,
              type: "order.paid",
              payload: renderPayload(id, "order.paid", at, {}),
              occurredAt: at,
              callbackUrl: endpoints.includes(null) ? "https://callback.example.com/one-off" : null,
              isTest: options.isTest ?? false,
            },
            deliveries: rows,
            idempotency: null,
          },
        ], now: at });
      if (outcome[0]?.kind !== "created") throw new Error(`ingest answered ${JSON.stringify(outcome)}`);
      return store.deliveries.forEvent(id);
    },

    async attempt(delivery, startedAt, durationMs, options = {}) {
      const failed = options.error !== undefined;
      const next: AttemptRecord["next"] = !failed ? { status: "succeeded" } : options.final ? { status: "failed" } : { status: "pending", at: startedAt + 60_000 };
      const statusCode = !failed ? 200 : options.error === "http_status" ? 500 : null;
      await store.deliveries.recordAttempt({ record: {
          attempt: {
            id: ids("att"),
            deliveryId: delivery.id,
            n: delivery.attemptCount + 1,
            startedAt,
            durationMs,
            statusCode,
            error: options.error ?? null,
            requestHeaders: {},
            responseHeaders: statusCode === null ? null : {},
            responseBody: null,
            responseTruncated: false,
            nextAttemptAt: next.status === "pending" ? next.at : null,
          },
          delivery,
          next,
          lastError: !failed ? null : statusCode === null ? options.error! : `HTTP ${statusCode}`,
          health: delivery.isTest || delivery.endpointId === null ? null : failed ? { success: false, disable: null, disableIfFailingBefore: null } : { success: true },
        }, now: startedAt + durationMs });
      return (await store.deliveries.get(delivery.id))!;
    },
  };
}
