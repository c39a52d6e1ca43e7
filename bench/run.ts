#!/usr/bin/env bun
/**
 * `bun run bench`: hookgate's performance figures against the targets of
 * issue 6, in one table and one JSON line (stdout; progress goes to stderr).
 *
 *   bun run bench                        # everything, about 3 minutes
 *   bun run bench --quick                # smoke run: every path, short and small
 *   bun run bench --only ingest,delivery # some runs (footprint ingest batch delivery e2e wide backlog)
 *   bun run bench --binary ./hookgate    # another executable (default dist/hookgate, built if missing)
 *   bun run bench --rebuild              # run `bun run build` first
 *   bun run bench --keep                 # keep the work dir: data dirs, configs, daemon logs
 *   bun run bench --store postgres       # the PostgreSQL runs (bench/postgres-runs.ts), about 3 minutes
 *
 * Each hookgate runs as the real executable with the bench config (see
 * daemon.ts) on its own data dir; the receiver, the bare-server ceiling, the
 * load generators and the slow receivers each run in their own process.
 * Everything is on loopback. Needs wrk (`apt-get install -y wrk`).
 */
import { existsSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { cleanup, installCleanupHandlers, keepTempDirs, spawnTracked, tempDir } from "./children.ts";
import { createContext, startReceiver } from "./context.ts";
import { parseBenchArgs, type BenchOptions } from "./options.ts";
import { startBenchPostgres } from "./pg-server.ts";
import { buildPostgresRows, runPostgresBench } from "./postgres-runs.ts";
import { runFetchCeiling } from "./phases/drain.ts";
import { runE2e } from "./phases/e2e.ts";
import { runFootprint } from "./phases/footprint.ts";
import { runBatch, runIngestCeiling } from "./phases/ingest.ts";
import { runWide } from "./phases/wide.ts";
import { renderTable } from "./report.ts";
import { runStoreRuns } from "./store-runs.ts";
import { buildRows, type Results } from "./summary.ts";
import { requireWrk } from "./wrk.ts";

const ROOT = resolve(import.meta.dir, "..");

installCleanupHandlers();

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(64);
}

try {
  await main(options);
  await cleanup();
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await cleanup();
  process.exit(1);
}

async function main(o: BenchOptions): Promise<void> {
  const only = o.only;
  if (o.store === "postgres" || only.has("ingest") || only.has("batch") || only.has("backlog")) requireWrk();
  const binary = await ensureBinary(o);
  const started = performance.now();
  if (o.keep) keepTempDirs();
  const workDir = tempDir("hookgate-bench-");
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex");
  const machine = machineInfo(binary);
  process.stderr.write(`bench: ${machine.hookgate} on ${machine.nproc} × ${machine.cpu}, load ${machine.loadavg_at_start.join(" ")}; work dir ${workDir}\n`);

  const receiver = await startReceiver();
  const ctx = createContext({ binary, workDir, token, sizes: o.sizes, keep: o.keep, receiver });
  if (o.store === "postgres") return mainPostgres(o, ctx, machine, started);
  const r: Results = {};

  if (only.has("footprint")) r.footprint = await runFootprint(ctx);
  // The backlog figures are ratios to the empty database's: --only backlog runs both.
  const ingest = only.has("ingest") || only.has("backlog");
  const drain = only.has("delivery") || only.has("backlog");
  if (ingest) r.ingestCeiling = await runIngestCeiling(ctx);
  if (ingest || drain) {
    const runs = await runStoreRuns(ctx, { ingest, drain, backlog: only.has("backlog") ? o.sizes.backlogCount : null });
    r.empty = runs.empty;
    if (runs.backlog) r.backlog = runs.backlog;
  }
  if (drain) r.fetchCeiling = await runFetchCeiling(ctx);
  if (only.has("batch")) r.batch = await runBatch(ctx);
  if (only.has("e2e")) r.e2e = await runE2e(ctx);
  if (only.has("wide")) r.wide = await runWide(ctx);
  r.peakRss = ctx.peak;

  const { rows, notes } = buildRows(r);
  const seconds = (performance.now() - started) / 1000;
  console.log("");
  console.log(`hookgate bench${o.quick ? " (--quick: short runs, not comparable)" : ""}: ${machine.hookgate}, ${machine.nproc} × ${machine.cpu}, Bun ${machine.bun}`);
  console.log("");
  console.log(renderTable(rows));
  console.log("");
  for (const note of notes) console.log(`- ${note}`);
  console.log(`- whole run ${seconds.toFixed(0)} s; load average at start ${machine.loadavg_at_start.join(" ")}, at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log("");
  console.log(JSON.stringify({ bench: "hookgate", quick: o.quick, seconds, machine, sizes: o.sizes, rows, results: r }));
}

/** --store postgres: one PostgreSQL server for the run, stopped before the bench ends whatever happens. */
async function mainPostgres(o: BenchOptions, ctx: ReturnType<typeof createContext>, machine: ReturnType<typeof machineInfo>, started: number): Promise<void> {
  const pg = await startBenchPostgres(ctx.progress);
  let results;
  try {
    results = await runPostgresBench(ctx, pg);
  } finally {
    // Each run has stopped its hookgate processes; a fast shutdown ends any connection still open.
    await pg.stop();
    ctx.progress("PostgreSQL stopped");
  }
  const { rows, notes } = buildPostgresRows(results);
  const seconds = (performance.now() - started) / 1000;
  console.log("");
  console.log(`hookgate bench --store postgres${o.quick ? " (--quick: short runs, not comparable)" : ""}: ${machine.hookgate}, ${machine.nproc} × ${machine.cpu}, Bun ${machine.bun}, PostgreSQL ${results.postgresVersion}`);
  console.log("");
  console.log(renderTable(rows));
  console.log("");
  for (const note of notes) console.log(`- ${note}`);
  console.log(`- whole run ${seconds.toFixed(0)} s; load average at start ${machine.loadavg_at_start.join(" ")}, at end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log("");
  console.log(JSON.stringify({ bench: "hookgate", store: "postgres", quick: o.quick, seconds, machine, sizes: o.sizes, rows, results }));
}

/** The executable under test: --binary, or dist/hookgate (built when missing or with --rebuild). */
async function ensureBinary(o: BenchOptions): Promise<string> {
  if (o.binary) {
    const path = resolve(o.binary);
    if (!existsSync(path)) throw new Error(`--binary ${path}: no such file`);
    return path;
  }
  const dist = join(ROOT, "dist/hookgate");
  if (o.rebuild || !existsSync(dist)) {
    process.stderr.write(`bench: ${o.rebuild ? "rebuilding" : "no dist/hookgate yet, building"} it with \`bun run build\`\n`);
    const build = spawnTracked([process.execPath, "run", "build"], { cwd: ROOT, stdout: 2, stderr: "inherit" });
    if ((await build.exited) !== 0) throw new Error("bun run build failed");
  }
  return dist;
}

function machineInfo(binary: string) {
  const version = Bun.spawnSync([binary, "version"], { stdout: "pipe", stderr: "pipe" });
  return {
    hookgate: version.stdout.toString().trim() || `${binary} (version unknown: ${version.stderr.toString().trim()})`,
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    memory_gib: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    bun: Bun.version,
    loadavg_at_start: loadavg().map((l) => Number(l.toFixed(2))),
  };
}
