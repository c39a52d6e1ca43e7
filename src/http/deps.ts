/** What the API face is given by the wiring; handlers reach nothing else. */
import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { HookgateMetrics } from "../metrics/hookgate-metrics.ts";
import type { Operations } from "../operations/operations.ts";
import type { Principal } from "../operations/principal.ts";

/** A named condition /readyz requires; throws (or rejects) when not met. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpDeps {
  /** For the request schemas (catalog, URL rules) and the metrics token. */
  config: Config;
  ops: Operations;
  clock: Clock;
  /** The http component's logger, for failures no request logger saw. */
  log: Logger;
  adminToken: string;
  readiness: ReadinessCheck[];
  /** The /metrics exposition. */
  metrics: Pick<HookgateMetrics, "render">;
}

/** Hono's per-request variables. */
export interface HttpEnv {
  Variables: {
    /** Set by the request-id middleware in front of every face. */
    requestId: string;
    log: Logger;
    /** Who is asking; set by the bearer-token auth on /v1/*. */
    principal: Principal;
  };
}
