/**
 * What the operations are given by the wiring. They are the only callers
 * of the store on behalf of a face: a face holds an Operations, never a
 * store, so scope and policy cannot be skipped by going around them.
 */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { TestSender } from "../delivery/test-send.ts";
import type { IdGenerator } from "../domain/ids.ts";
import type { Ingest } from "../ingest/ingest.ts";
import type { HookgateMetrics } from "../metrics/hookgate-metrics.ts";
import type { Store } from "../store/contract.ts";

export interface OperationDeps {
  config: Config;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  randomBytes: (n: number) => Uint8Array;
  ingest: Ingest;
  /** Tells the dispatcher there is new due work (a retry, a recovery). */
  wake: () => void;
  testSend: TestSender;
  /** Hears of deleted endpoints, so their series leave /metrics. */
  metrics: Pick<HookgateMetrics, "endpointDeleted">;
}
