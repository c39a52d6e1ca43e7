/**
 * The real hookgate as a child process, for end-to-end tests: start it on a
 * free port with its own temp data dir, read its JSON log lines, call its
 * API, signal it, and run one-shot commands (version, check-config, a start
 * that is expected to fail).
 *
 * By default the source is run with the Bun running the tests
 * (`bun src/main.ts`); set HOOKGATE_E2E_BIN=dist/hookgate to run the same
 * tests against the compiled executable.
 *
 * Every process and temp dir made here is tracked; test files call
 * `afterAll(cleanupDaemons)`, and an exit hook SIGKILLs whatever is left if a
 * run is cut short.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";

const ROOT = resolve(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/main.ts");

/** How long a daemon may take to log "listening", and a stop to end. Generous: CI machines are slow. */
export const START_TIMEOUT_MS = 15_000;
export const STOP_TIMEOUT_MS = 15_000;
/** Upper bound for a one-shot command such as `version` or a refused start. */
export const RUN_TIMEOUT_MS = 15_000;

/** The command that runs hookgate, before its arguments. */
export function hookgateCommand(): string[] {
  const bin = process.env.HOOKGATE_E2E_BIN;
  return bin ? [resolve(ROOT, bin)] : [process.execPath, MAIN];
}

export interface DaemonOptions {
  /**
   * TOML text for --config. Unless it sets them, `[server] listen` becomes
   * "127.0.0.1:0" and `[storage] data_dir` a fresh temp dir (or `dataDir`).
   * null: no --config at all, the daemon runs on its built-in defaults plus
   * `env` (the caller then sets HOOKGATE_SERVER_LISTEN).
   */
  config?: string | null;
  /**
   * Reuse this data dir (a restart). Default: a fresh temp dir, or the
   * daemon's own ./data under `cwd` when `config` is null. A data_dir set by
   * the config text or by `env` wins.
   */
  dataDir?: string;
  /** Extra environment. The runner's own HOOKGATE_* variables are never passed on. */
  env?: Record<string, string>;
  /** Working directory; a fresh empty temp dir by default, so no stray ./hookgate.toml or ./data is picked up. */
  cwd?: string;
  /** Command prefix instead of hookgateCommand(), e.g. ["/path/to/hookgate"]. */
  bin?: string[];
}

export interface ApiResponse {
  status: number;
  /** The parsed body, or null when it is empty. */
  json: any;
  headers: Headers;
}

export interface Daemon {
  /** Base URL, from the "listening" log line (the real port when 0 was asked). */
  url: string;
  /** The admin token: configured, or read from <data_dir>/admin.token. */
  token: string;
  dataDir: string;
  /** The config file passed with --config, or null when started without one. */
  configFile: string | null;
  cwd: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Every stdout line so far (pino JSON), in order. */
  lines: string[];
  /** stdout lines parsed as JSON; lines that are not JSON are left out. */
  logs(): Record<string, any>[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the first log record (already seen or still to come) that matches. */
  waitForLog(match: (record: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** Calls the API with the admin token; `token: null` sends no Authorization header. */
  api(method: string, path: string, body?: unknown, options?: { token?: string | null; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code once stdout is fully read. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  /** kill -9: no chance to clean up, as in a crash. Resolves once the process is gone. */
  kill9(): Promise<void>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const liveProcs = new Set<Subprocess>();
const tempDirs = new Set<string>();

/** A fresh empty directory, removed by cleanupDaemons(). */
export function tempDir(prefix = "hookgate-e2e-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Writes `text` to a .toml file in a fresh temp dir and returns its path (no merging). */
export function writeConfigFile(text: string): string {
  const file = join(tempDir("hookgate-e2e-config-"), "hookgate.toml");
  writeFileSync(file, text);
  return file;
}

/** Starts `hookgate serve` and resolves once it logs "listening"; rejects with its output if it does not. */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const cwd = options.cwd ?? tempDir();
  const env = childEnv(options.env);
  // Without a config file, the only way to point the daemon at a given data dir is its env setting.
  if (options.config === null && options.dataDir !== undefined) env.HOOKGATE_STORAGE_DATA_DIR ??= options.dataDir;
  const plan = planConfig(options, cwd, env);
  const args = plan.configFile === null ? ["serve"] : ["serve", "--config", plan.configFile];
  const proc = Bun.spawn([...(options.bin ?? hookgateCommand()), ...args], {
    cwd,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  liveProcs.add(proc);
  void proc.exited.then(() => liveProcs.delete(proc));

  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const stdoutDone = readLines(proc.stdout, (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const stderrText = collectText(proc.stderr);
  const logs = () => lines.flatMap((line) => parseJsonLine(line));

  const waitForLog: Daemon["waitForLog"] = (match, timeoutMs = START_TIMEOUT_MS) =>
    new Promise((resolveWait, rejectWait) => {
      const check = () => {
        const found = logs().find(match);
        if (found) finish(() => resolveWait(found));
      };
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      const timer = setTimeout(
        () => finish(() => rejectWait(new Error(`no matching log line within ${timeoutMs}ms; stdout:\n${lines.join("\n")}\nstderr:\n${stderrText.value}`))),
        timeoutMs,
      );
      waiters.add(check);
      check();
      // A process that has exited logs nothing more: fail now rather than at the timeout.
      void proc.exited.then(() =>
        stdoutDone.then(() => {
          check();
          if (waiters.has(check)) {
            finish(() => rejectWait(new Error(`hookgate exited with ${proc.exitCode} before the awaited log line; stdout:\n${lines.join("\n")}\nstderr:\n${stderrText.value}`)));
          }
        }),
      );
    });

  const listening = await waitForLog((r) => r.msg === "listening").catch(async (err: unknown) => {
    // Not started in time: do not leave it running into the next test.
    proc.kill("SIGKILL");
    await proc.exited;
    throw err;
  });
  const url = String(listening.url);
  const token = plan.token ?? readFileSync(join(plan.dataDir, "admin.token"), "utf8").trim();

  const daemon: Daemon = {
    url,
    token,
    dataDir: plan.dataDir,
    configFile: plan.configFile,
    cwd,
    proc,
    lines,
    logs,
    stderr: () => stderrText.value,
    waitForLog,
    async api(method, path, body, apiOptions = {}) {
      const headers: Record<string, string> = { ...apiOptions.headers };
      const bearer = apiOptions.token === undefined ? token : apiOptions.token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
      });
      const text = await res.text();
      return { status: res.status, json: text === "" ? null : JSON.parse(text), headers: res.headers };
    },
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      const code = await exitWithin(proc, STOP_TIMEOUT_MS, `stop with ${signal}`);
      await Promise.all([stdoutDone, stderrText.done]);
      return code;
    },
    async kill9() {
      proc.kill("SIGKILL");
      await exitWithin(proc, STOP_TIMEOUT_MS, "kill -9");
      await Promise.all([stdoutDone, stderrText.done]);
    },
  };
  return daemon;
}

/** Runs hookgate with `args` to completion (bounded) and returns its exit code and output. */
export async function runHookgate(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; bin?: string[]; timeoutMs?: number } = {},
): Promise<RunResult> {
  const proc = Bun.spawn([...(options.bin ?? hookgateCommand()), ...args], {
    cwd: options.cwd ?? tempDir(),
    env: childEnv(options.env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  liveProcs.add(proc);
  const stdout = new Response(proc.stdout).text();
  const stderr = new Response(proc.stderr).text();
  const exitCode = await exitWithin(proc, options.timeoutMs ?? RUN_TIMEOUT_MS, `hookgate ${args.join(" ")}`);
  liveProcs.delete(proc);
  return { exitCode, stdout: await stdout, stderr: await stderr };
}

/** Kills every process still running and removes every temp dir; for afterAll. */
export async function cleanupDaemons(): Promise<void> {
  const procs = [...liveProcs];
  for (const proc of procs) proc.kill("SIGKILL");
  await Promise.all(procs.map((proc) => proc.exited));
  liveProcs.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

// Backstop for a run that ends without afterAll (an interrupted test run):
// never leave a daemon behind holding a port and a data dir.
process.once("exit", () => {
  for (const proc of liveProcs) proc.kill("SIGKILL");
});

interface ConfigPlan {
  configFile: string | null;
  dataDir: string;
  /** The admin token when the config or env sets one; null: read the generated file. */
  token: string | null;
}

/**
 * Decides the config file and where the data dir will be. The test's TOML is
 * parsed only to add the two keys it leaves out and to learn data_dir and
 * admin_token; comments and layout of the text do not matter to the daemon.
 */
function planConfig(options: DaemonOptions, cwd: string, env: Record<string, string>): ConfigPlan {
  const envDataDir = env.HOOKGATE_STORAGE_DATA_DIR;
  const envToken = env.HOOKGATE_SERVER_ADMIN_TOKEN || null;
  if (options.config === null) {
    return { configFile: null, dataDir: resolve(cwd, envDataDir ?? "./data"), token: envToken };
  }
  const doc = parseToml(options.config ?? "") as Record<string, any>;
  doc.server ??= {};
  doc.storage ??= {};
  doc.server.listen ??= "127.0.0.1:0";
  doc.storage.data_dir ??= options.dataDir ?? tempDir("hookgate-e2e-data-");
  const configFile = writeConfigFile(stringifyToml(doc));
  const configuredToken = typeof doc.server.admin_token === "string" && doc.server.admin_token !== "" ? doc.server.admin_token : null;
  return { configFile, dataDir: resolve(cwd, envDataDir ?? doc.storage.data_dir), token: envToken ?? configuredToken };
}

/** The runner's environment without HOOKGATE_* or NOTIFY_SOCKET (they would leak into the daemon), plus `extra`. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("HOOKGATE_") && name !== "NOTIFY_SOCKET") env[name] = value;
  }
  return { ...env, ...extra };
}

async function exitWithin(proc: Subprocess, timeoutMs: number, what: string): Promise<number> {
  let timer: Timer | undefined;
  const timedOut = new Promise<"timeout">((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([proc.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    proc.kill("SIGKILL");
    await proc.exited;
    throw new Error(`${what}: hookgate had not exited after ${timeoutMs}ms; killed it`);
  }
  return outcome;
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") onLine(pending);
}

/** Accumulates a stream's text as it arrives, so a running daemon's stderr can be read at any time. */
function collectText(stream: ReadableStream<Uint8Array>): { value: string; done: Promise<void> } {
  const text = { value: "", done: Promise.resolve() };
  text.done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text.value += decoder.decode(chunk, { stream: true });
    text.value += decoder.decode();
  })();
  return text;
}

function parseJsonLine(line: string): Record<string, any>[] {
  if (!line.startsWith("{")) return [];
  try {
    return [JSON.parse(line)];
  } catch (err) {
    if (err instanceof SyntaxError) return []; // a partial or foreign line: not a log record
    throw err;
  }
}

/** Polls GET /v1/deliveries/:id until `done` holds; bounded. */
export async function deliveryWhen(d: Daemon, id: string, done: (dl: any) => boolean, timeoutMs = 15_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await d.api("GET", `/v1/deliveries/${id}`);
    if (done(r.json)) return r.json;
    if (Date.now() > deadline) throw new Error(`delivery ${id} never reached the expected state: ${JSON.stringify(r.json)}`);
    await Bun.sleep(100);
  }
}
