/**
 * The server's app (both faces, composed as the daemon composes them) over
 * a real, freshly migrated SQLite database in a temp dir, for scenario
 * tests through `app.request()` (no socket, no process).
 */
import type { Hono } from "hono";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../src/clock.ts";
import { configSchema, type Config } from "../../src/config/schema.ts";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { leaseFor } from "../../src/daemon.ts";
import { composeFaces } from "../../src/faces.ts";
import type { HttpEnv, ReadinessCheck } from "../../src/http/deps.ts";
import { createDeliverer } from "../../src/delivery/deliver.ts";
import { Dispatcher } from "../../src/delivery/dispatcher.ts";
import { createHttpClient, type HttpClient, type Resolver } from "../../src/http-client/http-client.ts";
import { createTestSender } from "../../src/delivery/test-send.ts";
import { createIngest } from "../../src/ingest/ingest.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { FailureLog } from "../../src/delivery/failure-log.ts";
import { createHookgateMetrics, type MetricsDeps } from "../../src/metrics/hookgate-metrics.ts";
import { observeAll } from "../../src/metrics/observer.ts";
import { createOperations } from "../../src/operations/operations.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/contract.ts";
import type { ConsoleOptions } from "../../src/web/console/console-deps.ts";

export const TEST_TOKEN = "test-admin-token-0123456789abcdef0123456789";
export const CALLBACKS_SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;

export interface TestApi {
  /** The composed Hono app itself, e.g. to walk its routes. */
  app: Hono<HttpEnv>;
  config: Config;
  store: Store;
  clock: FakeClock;
  /** Calls the app with the admin token unless `headers.authorization` is given. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  request(path: string, init?: RequestInit): Promise<Response>;
  readiness: ReadinessCheck[];
  /** Started in manual mode: call `await dispatcher.tick(); await dispatcher.idle()` to deliver what is due. */
  dispatcher: Dispatcher;
  /** Runs the dispatcher once and waits for the attempts it made. */
  deliverDue(): Promise<void>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  json: any;
  headers: Headers;
}

export interface TestApiOptions {
  random?: () => number;
  resolver?: Resolver;
  /** The backlog the /metrics gauges read; by default the store's. */
  backlog?: MetricsDeps["backlog"];
  /** Console session settings; by default no wait after a wrong login. */
  console?: ConsoleOptions;
  /** Where the app and the delivery engine log; silent by default. */
  log?: Logger;
}

/** Builds the app; `raw` is TOML-shaped config input merged over the test defaults. */
export async function createTestApi(raw: Record<string, any> = {}, options: TestApiOptions = {}): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-http-"));
  const config = configSchema.parse({
    ...raw,
    storage: { data_dir: join(dir, "data"), ...raw.storage },
  });
  const clock = new FakeClock(Date.UTC(2026, 0, 15, 10, 30));
  const opened = openDatabase(config.storage.data_dir);
  migrate(opened.db, clock.now());
  const store = createSqliteStore(opened.db, opened.close);
  const readiness: ReadinessCheck[] = [{ name: "database", check: () => store.checkWritable() }];
  const ids = createIdGenerator(() => clock.now());
  const log = options.log ?? createLogger("silent");
  const client: HttpClient = createHttpClient({
    allowPrivateNetworks: config.delivery.allow_private_networks,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  });
  const leaseMs = leaseFor(config.delivery.timeout);
  const deliver = createDeliverer({
    client,
    config,
    clock,
    ids,
    random: options.random ?? (() => 0.5),
    destination: async (endpointId) => {
      if (endpointId === null) return { endpoint: null, secrets: [CALLBACKS_SECRET] };
      const endpoint = await store.endpoints.get(endpointId);
      if (!endpoint) return null;
      return { endpoint, secrets: (await store.endpoints.activeSecrets({ id: endpointId, now: clock.now() })).map((s) => s.secret) };
    },
  });
  const metrics = createHookgateMetrics({
    version: "test",
    perEndpoint: config.metrics.per_endpoint,
    backlog: options.backlog !== undefined ? options.backlog : () => store.stats.backlog(),
    inFlight: () => dispatcher.inFlightCount,
  });
  // Wired as app.ts wires it.
  const observer = observeAll(metrics, new FailureLog({ log, clock }));
  const dispatcher = new Dispatcher(store, deliver, clock, log, {
    concurrency: config.delivery.concurrency,
    maxPerEndpoint: config.delivery.max_in_flight_per_endpoint,
    leaseMs,
    owner: "node_test",
    deadAtStart: "all",
    observer,
  });
  await dispatcher.start({ manual: true });
  const ingest = createIngest({ store, clock, ids, wake: () => dispatcher.wake(), observer });
  const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const ops = createOperations({
    config,
    store,
    clock,
    ids,
    randomBytes,
    ingest,
    wake: () => dispatcher.wake(),
    testSend: createTestSender({ config, ingest, store, deliver, leaseMs, owner: "node_test" }),
    metrics: { endpointDeleted: (id, n) => observer.endpointDeleted(id, n) },
  });
  const app = composeFaces({
    config,
    ops,
    clock,
    ids,
    randomBytes,
    log,
    adminToken: TEST_TOKEN,
    readiness,
    metrics,
    // No wait after a wrong console login unless a test asks for one.
    console: { failedLoginDelayMs: 0, ...options.console },
  });
  const request = async (path: string, init?: RequestInit) => app.request(path, init);
  return {
    app,
    config,
    store,
    clock,
    readiness,
    dispatcher,
    async deliverDue() {
      await dispatcher.tick();
      await dispatcher.idle();
    },
    request,
    async call(method, path, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json", ...headers },
      };
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text === "" ? null : JSON.parse(text) };
    },
    async close() {
      await dispatcher.stop(1000);
      await client.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
