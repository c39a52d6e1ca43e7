/**
 * Ingest runs: single-event POST /v1/events under wrk (hookgate and the bare
 * Bun.serve ceiling, loaded identically), and POST /v1/events/batch.
 */
import { rmSync } from "node:fs";
import { spawnBunScript, type BenchContext } from "../context.ts";
import { nearPending, failedAttempts, type BenchDaemon } from "../daemon.ts";
import { seedDataDir } from "../seed-backlog.ts";
import { runWrk, type WrkResult } from "../wrk.ts";

/** One SMS-platform-like event, about the size of a real one. */
export function eventJson(i: number | string): string {
  return `{"type":"message.delivered","data":{"message_id":"msg_${i}","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}`;
}

export interface IngestResult {
  wrk: WrkResult;
  /** How long after wrk ended the last of its deliveries was made (delivery keeping up with ingest). */
  settleMs: number;
  delivered: number;
  duplicates: number;
  failedAttempts: number;
}

/** The single-event load, the same for hookgate and its bare-server ceiling. */
function singleEventLoad(ctx: BenchContext, baseUrl: string): Promise<WrkResult> {
  return runWrk({
    url: `${baseUrl}/v1/events`,
    body: eventJson(1),
    token: ctx.token,
    connections: ctx.sizes.ingestConnections,
    threads: 1,
    durationS: ctx.sizes.ingestSeconds,
    workDir: ctx.workDir,
  });
}

/** wrk against a bare Bun.serve that only reads the body and answers 202. */
export async function runIngestCeiling(ctx: BenchContext): Promise<WrkResult> {
  const child = spawnBunScript("bare-server.ts", []);
  const { port } = await child.line((r) => r.ready === true, 10_000, "bare server ready line");
  try {
    ctx.progress(`ingest ceiling: wrk ${ctx.sizes.ingestConnections} connections, ${ctx.sizes.ingestSeconds} s against the bare server`);
    return await singleEventLoad(ctx, `http://127.0.0.1:${port}`);
  } finally {
    child.proc.kill("SIGKILL");
    await child.proc.exited;
  }
}

/**
 * wrk against hookgate's POST /v1/events (one endpoint subscribed, so each
 * event makes a delivery to the receiver), then waits until every delivery
 * it caused has been made, so the next run starts quiet.
 */
export async function runIngest(ctx: BenchContext, daemon: BenchDaemon, label: string): Promise<IngestResult> {
  await ctx.receiver.reset();
  ctx.progress(`ingest (${label}): wrk ${ctx.sizes.ingestConnections} connections, ${ctx.sizes.ingestSeconds} s`);
  const wrk = await singleEventLoad(ctx, daemon.url);
  const ended = performance.now();
  const settleTimeoutMs = 180_000;
  while (nearPending(daemon.dataDir) > 0) {
    if (performance.now() - ended > settleTimeoutMs) throw new Error(`ingest (${label}): deliveries still pending ${settleTimeoutMs} ms after the load ended`);
    await Bun.sleep(50);
  }
  const settleMs = performance.now() - ended;
  const received = await ctx.receiver.stats();
  return { wrk, settleMs, delivered: received.unique, duplicates: received.duplicates, failedAttempts: failedAttempts(daemon.dataDir) };
}

/** POST /v1/events/batch with `batchSize` events per call on a fresh data dir (thrown away after). */
export async function runBatch(ctx: BenchContext): Promise<{ wrk: WrkResult; eventsPerSecond: number }> {
  const dir = ctx.dataDir("batch");
  await seedDataDir(dir, ctx.receiver.hookUrl);
  const daemon = await ctx.startDaemon("batch", dir);
  try {
    const body = `{"events":[${Array.from({ length: ctx.sizes.batchSize }, (_, i) => eventJson(i)).join(",")}]}`;
    ctx.progress(`batch ingest: wrk ${ctx.sizes.batchConnections} connections, ${ctx.sizes.batchSize} events per call, ${ctx.sizes.batchSeconds} s`);
    const wrk = await runWrk({
      url: `${daemon.url}/v1/events/batch`,
      body,
      token: ctx.token,
      connections: ctx.sizes.batchConnections,
      threads: 1,
      durationS: ctx.sizes.batchSeconds,
      workDir: ctx.workDir,
    });
    return { wrk, eventsPerSecond: wrk.requestsPerSecond * ctx.sizes.batchSize };
  } finally {
    // The deliveries it queued would take long to drain and are not measured: a kill, and the dir goes.
    const hwm = daemon.peakRss();
    if (hwm > ctx.peak.bytes) ctx.peak = { bytes: hwm, run: "batch" };
    await daemon.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
