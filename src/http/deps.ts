/** What the HTTP layer is given by daemon.ts; handlers reach nothing else. */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { IdGenerator } from "../domain/ids.ts";
import type { Logger } from "../log.ts";
import type { TestSender } from "../delivery/test-send.ts";
import type { Ingest } from "../ingest/ingest.ts";
import type { HookgateMetrics } from "../metrics/hookgate-metrics.ts";
import type { Store } from "../store/types.ts";
import type { ConsoleOptions } from "../console/routes.tsx";

/** A named condition /readyz requires; throws (or rejects) when not met. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpDeps {
  config: Config;
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  randomBytes: (n: number) => Uint8Array;
  log: Logger;
  adminToken: string;
  readiness: ReadinessCheck[];
  ingest: Ingest;
  /** Tells the dispatcher there is new due work (a retry, a recovery). */
  wake: () => void;
  testSend: TestSender;
  /** The /metrics exposition, and what the routes report to it (deleted endpoints). */
  metrics: Pick<HookgateMetrics, "render" | "endpointDeleted">;
  /** Session and login-throttle settings of the web console; defaults when absent. */
  console?: ConsoleOptions;
}

/** Hono's per-request variables. */
export interface HttpEnv {
  Variables: {
    requestId: string;
    log: Logger;
  };
}
