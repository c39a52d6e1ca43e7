/**
 * hookgate under test: the executable started with the bench config on a
 * given data dir, its log written to a file (not piped through the
 * orchestrator), ready once GET /readyz answers 200.
 */
import { Database } from "bun:sqlite";
import type { Subprocess } from "bun";
import { openSync, closeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnTracked } from "./children.ts";
import { nowMs, procMemory } from "./stats.ts";

/** Attempts in flight (whole process, and per endpoint) in every bench run; BENCHMARKS.md shows the whole config. */
export const BENCH_CONCURRENCY = 256;

/**
 * The bench config. Everything not listed is hookgate's default, durability
 * included (synchronous=FULL, group commit). Loopback receivers need
 * require_https off and private networks allowed; max_in_flight_per_endpoint
 * equals concurrency so that a single-endpoint drain can use every slot.
 */
export function benchConfig(o: { port: number; token: string; dataDir: string; postgres?: PostgresStorage | undefined }): string {
  const pg = o.postgres
    ? `driver = "postgres"\nurl = "${o.postgres.url}"\npool_size = ${o.postgres.poolSize}\n`
    : "";
  const callbacks = o.postgres ? `\n[callbacks]\nsecret = "${o.postgres.callbacksSecret}"\n` : "";
  return `[server]
listen = "127.0.0.1:${o.port}"
admin_token = "${o.token}"
shutdown_timeout = "5s"

[storage]
data_dir = "${o.dataDir}"
${pg}
[delivery]
require_https = false
allow_private_networks = true
concurrency = ${BENCH_CONCURRENCY}
max_in_flight_per_endpoint = ${BENCH_CONCURRENCY}
${callbacks}`;
}

/** The PostgreSQL storage of a --store postgres daemon (the data dir then holds only its lock and node id). */
export interface PostgresStorage {
  url: string;
  poolSize: number;
  /** Required with postgres: every node signs callbacks with the same one. */
  callbacksSecret: string;
}

export interface BenchDaemon {
  proc: Subprocess;
  url: string;
  token: string;
  dataDir: string;
  /** nowMs() just before exec, and when /readyz first answered 200. */
  spawnedAt: number;
  readyAt: number;
  /** Calls the API with the admin token; throws unless the status is `expect`. */
  api(method: string, path: string, body: unknown, expect: number): Promise<any>;
  /** Peak resident memory so far (VmHWM), bytes. */
  peakRss(): number;
  rss(): number;
  /** SIGTERM, then SIGKILL if it has not exited in 15 s; answers the exit code. */
  stop(): Promise<number>;
  kill(): Promise<void>;
}

/** A free loopback port: bound and released (the daemon binds it a moment later). */
export function freePort(): number {
  const socket = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = socket.port;
  socket.stop(true);
  return port;
}

/** Starts hookgate on `dataDir` and waits for /readyz, polling every 2 ms. */
export async function startBenchDaemon(o: { binary: string; dataDir: string; token: string; workDir: string; name: string; postgres?: PostgresStorage | undefined }): Promise<BenchDaemon> {
  const port = freePort();
  const configFile = join(o.workDir, `${o.name}.toml`);
  writeFileSync(configFile, benchConfig({ port, token: o.token, dataDir: o.dataDir, postgres: o.postgres }));
  const logFd = openSync(join(o.workDir, `${o.name}.log`), "a");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HOOKGATE_") && k !== "NOTIFY_SOCKET")) as Record<string, string>;
  const spawnedAt = nowMs();
  const proc = spawnTracked([o.binary, "serve", "--config", configFile], { cwd: o.workDir, env, stdout: logFd, stderr: logFd });
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  const readyAt = await waitReady(url, proc, 15_000, join(o.workDir, `${o.name}.log`));

  const daemon: BenchDaemon = {
    proc,
    url,
    token: o.token,
    dataDir: o.dataDir,
    spawnedAt,
    readyAt,
    async api(method, path, body, expect) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${o.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${res.status}: ${text.slice(0, 500)}`);
      return text === "" ? null : JSON.parse(text);
    },
    peakRss: () => procMemory(proc.pid, "VmHWM") ?? 0,
    rss: () => procMemory(proc.pid, "VmRSS") ?? 0,
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
  return daemon;
}

async function waitReady(url: string, proc: Subprocess, timeoutMs: number, logFile: string): Promise<number> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`hookgate exited with ${proc.exitCode} before it was ready; see ${logFile}`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return nowMs();
    } catch (err) {
      // Not listening yet: connection refused is the expected answer until it is.
      if (!(err instanceof Error)) throw err;
    }
    if (nowMs() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`hookgate not ready within ${timeoutMs} ms; see ${logFile}`);
    }
    await Bun.sleep(2);
  }
}

/** Deliveries still to make soon (due, or leased and in flight); the far-future backlog is not counted. */
export function nearPending(dataDir: string): number {
  return withDb(dataDir, (db) => {
    const row = db
      .query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending' AND next_attempt_at < ?")
      .get(Date.now() + 86_400_000) as { n: number };
    return row.n;
  });
}

/** Attempts that did not get a 2xx: the receiver never refuses, so any is a fault worth reporting. */
export function failedAttempts(dataDir: string): number {
  return withDb(dataDir, (db) => {
    const row = db.query("SELECT count(*) AS n FROM attempts WHERE error IS NOT NULL OR status_code NOT BETWEEN 200 AND 299").get() as { n: number };
    return row.n;
  });
}

/** A short read-only look at the daemon's database (WAL: it never blocks the daemon's writer). */
function withDb<T>(dataDir: string, read: (db: Database) => T): T {
  const db = new Database(join(dataDir, "hookgate.db"), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
