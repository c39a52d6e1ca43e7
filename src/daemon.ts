/**
 * Wires the parts into a running daemon: the listening socket (first, so a
 * taken port leaves nothing behind), data dir and store (store/open-store.ts
 * picks the backend), generated secrets, delivery engine, operations, jobs,
 * then the HTTP routes with both faces (faces.ts). `stop()` undoes it in the
 * order shutdown.ts documents.
 */
import type { Server } from "bun";
import { randomBytes as nodeRandomBytes } from "node:crypto";
import { resolve } from "node:path";
import { systemClock, type Clock } from "./clock.ts";
import type { Config } from "./config/schema.ts";
import { bracketHost } from "./domain/host.ts";
import { parseListen } from "./domain/listen.ts";
import { createIdGenerator } from "./domain/ids.ts";
import { resolveAdminToken, resolveCallbacksSecret } from "./generated-secrets.ts";
import { createDeliverer, type Destination } from "./delivery/deliver.ts";
import { Dispatcher } from "./delivery/dispatcher.ts";
import { FailureLog } from "./delivery/failure-log.ts";
import { createTestSender } from "./delivery/test-send.ts";
import { createHttpClient } from "./http-client/http-client.ts";
import { composeFaces } from "./faces.ts";
import { startingResponse } from "./http/starting-response.ts";
import { createIngest } from "./ingest/ingest.ts";
import { maintenanceJobs } from "./jobs/maintenance-jobs.ts";
import { startJobs } from "./jobs/scheduler.ts";
import type { Logger } from "./log.ts";
import { createHookgateMetrics } from "./metrics/hookgate-metrics.ts";
import { observeAll } from "./metrics/observer.ts";
import { createOperations } from "./operations/operations.ts";
import { StartupError } from "./startup-error.ts";
import type { Store } from "./store/contract.ts";
import { openStore, type OpenedStore } from "./store/open-store.ts";
import { VERSION } from "./version.ts";

export interface RunningApp {
  /** Base URL the server listens on (the real port when 0 was asked). */
  url: string;
  store: Store;
  dispatcher: Dispatcher;
  /** Stops taking requests, waits for in-flight ones up to the deadline, closes the database. */
  stop(deadlineMs: number): Promise<void>;
}

export interface StartOptions {
  log: Logger;
  clock?: Clock;
  randomBytes?: (n: number) => Uint8Array;
  random?: () => number;
}

/**
 * How long a claim holds a delivery: longer than any attempt can take, so a
 * live attempt is never claimed twice, short enough that a lost one comes
 * back soon. On SQLite a lease outlives its holder only in a stall (a dead
 * process's leases are all taken back at the next start), so it is generous.
 * On PostgreSQL it is how soon the other processes make a dead one's
 * attempts again: the attempt's timeout plus 15 s to record it (API.md §6).
 */
export function leaseFor(timeoutMs: number, driver: "sqlite" | "postgres" = "sqlite"): number {
  return driver === "postgres" ? timeoutMs + 15_000 : timeoutMs * 2 + 30_000;
}

/** How long, past the shutdown deadline, the attempts it cut off may take to be recorded. */
const CUT_OFF_RECORD_GRACE_MS = 1000;

/** Starts everything; throws StartupError for problems the operator must fix. */
export async function startApp(config: Config, options: StartOptions): Promise<RunningApp> {
  const { log } = options;
  const clock = options.clock ?? systemClock;
  const randomBytes = options.randomBytes ?? ((n: number) => new Uint8Array(nodeRandomBytes(n)));
  const dataDir = resolve(config.storage.data_dir);

  // The port first: a port already taken must stop start-up before the data
  // dir, database or generated secrets exist. Until the routes are wired
  // below, every request is answered 503 (startingResponse), so nothing,
  // /readyz included, answers as ready before the store is open.
  const ids = createIdGenerator(() => clock.now(), randomBytes);
  const listen = parseListen(config.server.listen)!;
  let handle: (req: Request, server: Server<undefined>) => Response | Promise<Response> = (req) => startingResponse(req, ids);
  const server: Server<undefined> = listenOrExplain(config.server.listen, () =>
    Bun.serve({
      hostname: listen.hostname,
      port: listen.port,
      fetch: (req, srv) => handle(req, srv),
      // A backstop only: the body-limit middleware refuses a too-large
      // Content-Length before reading and cuts a chunked body at the limit,
      // answering 413 in the API's error shape. Bun's own refusal is a bare
      // 413, so its cap sits far above, where only a broken route would need it.
      maxRequestBodySize: Math.max(config.server.max_body * 4, 1024 ** 3),
      development: false,
      // Explicit, because Bun sets SO_REUSEPORT by default when development
      // is false: a second hookgate (another data dir) on the same port would
      // bind too, and the kernel would split API traffic between two
      // gateways with two databases. EADDRINUSE is what the operator needs.
      reusePort: false,
    }),
  );

  // The backend storage.driver names (store/open-store.ts), with this
  // process's node id and whose leases are a dead process's at start.
  let opened: OpenedStore;
  try {
    opened = await openStore(config, {
      now: clock.now(),
      randomBytes,
      runNodeId: () => ids("node"),
      onMigrated: (versions, where) => log.info({ versions, database: where }, "database migrated"),
      // Resolved here, beside main.ts: the compiled executable bundles every
      // module into one at its root, where src/store/sqlite/ is "./store/sqlite/".
      checkpointWorkerUrl: new URL("./store/sqlite/checkpoint-worker.ts", import.meta.url).href,
      onWarning: (fields, message) => log.warn(fields, message),
      onChoreError: (chore, err) => log.error({ err, chore }, "database housekeeping failed; trying again at its next time"),
    });
  } catch (err) {
    await server.stop(true);
    throw err;
  }
  const { store, owner: nodeId } = opened;
  try {
    const token = resolveAdminToken(config.server.admin_token, dataDir, randomBytes);
    if (token.file) log.info({ path: token.file, generated: token.generated }, "admin token file");
    const callbacks = resolveCallbacksSecret(config.callbacks.secret, dataDir, randomBytes);
    if (callbacks.generated) log.info({ path: callbacks.file }, "callbacks secret generated");

    const leaseMs = leaseFor(config.delivery.timeout, config.storage.driver);
    const client = createHttpClient({
      allowPrivateNetworks: config.delivery.allow_private_networks,
      // Several endpoints can share one origin (one customer, two paths): the
      // per-endpoint limit is the dispatcher's, so the client must not add a
      // tighter per-origin one that a hung endpoint could fill for the others.
      maxSocketsPerOrigin: config.delivery.concurrency,
    });
    const destination = async (endpointId: string | null): Promise<Destination | null> => {
      if (endpointId === null) return { endpoint: null, secrets: [callbacks.value] };
      const endpoint = await store.endpoints.get(endpointId);
      if (!endpoint) return null;
      const secrets = await store.endpoints.activeSecrets({ id: endpointId, now: clock.now() });
      return { endpoint, secrets: secrets.map((s) => s.secret) };
    };
    const metrics = createHookgateMetrics({
      version: VERSION,
      perEndpoint: config.metrics.per_endpoint,
      backlog: () => store.stats.backlog(),
      inFlight: () => dispatcher.inFlightCount,
    });
    // Failing endpoints are logged by streak, not per attempt (failure-log.ts).
    const observer = observeAll(metrics, new FailureLog({ log: log.child({ component: "delivery" }), clock }));
    const deliver = createDeliverer({ client, config, clock, ids, random: options.random ?? Math.random, destination });
    const dispatcher = new Dispatcher(store, deliver, clock, log.child({ component: "dispatcher" }), {
      concurrency: config.delivery.concurrency,
      maxPerEndpoint: config.delivery.max_in_flight_per_endpoint,
      leaseMs,
      owner: nodeId,
      deadAtStart: opened.deadAtStart,
      ids,
      observer,
    });
    const wake = () => dispatcher.wake();
    const stopListening = store.onDueElsewhere(wake, (err) =>
      log.warn({ err }, "cannot listen for work other processes make due; trying again (deliveries still start within a minute)"),
    );
    const ingest = createIngest({ store, clock, ids, wake, observer });
    await dispatcher.start();
    const jobLog = log.child({ component: "jobs" });
    const jobs = startJobs(maintenanceJobs({ store, clock, config, log: jobLog, wake }), jobLog, {
      claimRun: (job, scheduledAt) => store.maintenance.claimJobRun({ job, scheduledAt, now: clock.now() }),
    });

    const ops = createOperations({
      config,
      store,
      clock,
      ids,
      randomBytes,
      ingest,
      wake,
      testSend: createTestSender({ config, ingest, store, deliver, leaseMs, owner: nodeId }),
      metrics: { endpointDeleted: (id, n) => observer.endpointDeleted(id, n) },
    });
    const http = composeFaces({
      config,
      ops,
      clock,
      ids,
      randomBytes,
      log,
      adminToken: token.value,
      readiness: [
        { name: "database", check: () => store.checkWritable() },
        {
          name: "delivery",
          check: async () => {
            if (!dispatcher.isRunning) throw new Error("delivery loop not running");
            // A loop that runs but cannot claim (damaged or full database) delivers nothing either.
            const failing = dispatcher.lastError;
            if (failing) throw new Error(`delivery loop failing: ${failing.message}`);
          },
        },
      ],
      metrics,
    });

    handle = http.fetch;
    const url = `http://${bracketHost(listen.hostname)}:${server.port}`;
    // On the next turn of the event loop, after main has installed the signal
    // handlers: supervisors and tests take this line as "up", and a SIGTERM
    // sent the moment it appears must find the handlers in place (a signal
    // that came first would kill the process with its default action).
    setImmediate(() => log.info({ url, data_dir: dataDir, database: opened.describe, node_id: nodeId }, "listening"));

    return {
      url,
      store,
      dispatcher,
      async stop(deadlineMs) {
        // One deadline for everything, so the process is gone when the
        // operator (or systemd's stop timeout) was told it would be.
        const deadline = clock.monotonic() + deadlineMs;
        const left = () => Math.max(0, deadline - clock.monotonic());
        // 1. No new connections (idle keep-alive ones are closed); open requests may finish.
        const graceful = server.stop(false);
        // 2. At the same time no new claims: attempts in flight finish and are
        // recorded meanwhile. What is still in flight at the deadline is cut
        // off below and recorded "interrupted" (due again at once).
        const draining = dispatcher.stop(deadlineMs);
        const timedOut = await Promise.race([graceful.then(() => false), Bun.sleep(left()).then(() => true)]);
        if (timedOut) {
          log.warn({ deadline_ms: deadlineMs }, "requests still open at the shutdown deadline; closing them");
          await server.stop(true);
        }
        // 3. No new jobs, and no wakes from other processes.
        stopListening();
        await jobs.stop();
        await draining;
        // Recorded at the deadline rather than left to the next start: closing
        // the client ends each cut attempt as "interrupted", and its record
        // lands before the store closes. The grace is short, as the deadline
        // is a promise; a record that misses it leaves the lease, and the
        // next start records the attempt interrupted all the same.
        await client.close();
        await dispatcher.recordCutOff(CUT_OFF_RECORD_GRACE_MS);
        // 4. Fold the WAL into the database and close it (store.close does both).
        await store.close();
      },
    };
  } catch (err) {
    await server.stop(true);
    await store.close();
    // A damaged database, a full or read-only disk, …: the operator's to fix, said in the backend's words.
    throw opened.explain(err) ?? err;
  }
}

/**
 * A port already taken, a privileged port or an address this host does not
 * have is the operator's to fix: say so in one line (StartupError) instead
 * of a stack trace. Bun.serve reports those as errors with an errno code.
 */
function listenOrExplain(address: string, serve: () => Server<undefined>): Server<undefined> {
  try {
    return serve();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("E")) {
      throw new StartupError(`cannot listen on ${address}: ${(err as Error).message} (${code})`);
    }
    throw err;
  }
}
