/**
 * Delivery runs: a start-up with `drainCount` deliveries due now for the
 * fast receiver, timed from exec until the receiver has them all; and the
 * ceiling, plain signed fetch POSTs at the same concurrency, no storage.
 */
import { spawnBunScript, type BenchContext } from "../context.ts";
import { BENCH_CONCURRENCY, failedAttempts, nearPending } from "../daemon.ts";
import { addDeliveries } from "../seed-backlog.ts";
import { timeWaitCount } from "../stats.ts";

export interface DrainResult {
  count: number;
  /** From exec of the daemon to the last arrival. */
  seconds: number;
  perSecond: number;
  /** From the first arrival to the last: the rate once running, start-up left out. */
  steadyPerSecond: number;
  duplicates: number;
  /** Connections hookgate opened to the receiver. */
  connections: number;
  failedAttempts: number;
  seedMs: number;
}

/** Adds the due deliveries to the (stopped) daemon's data dir, starts it and times the drain. */
export async function runDrain(ctx: BenchContext, o: { dataDir: string; endpointId: string; label: string }): Promise<DrainResult> {
  const count = ctx.sizes.drainCount;
  const seedMs = addDeliveries(o.dataDir, { targets: [{ id: o.endpointId, url: ctx.receiver.hookUrl, tenant: "default" }], count, dueAt: Date.now() });
  await ctx.receiver.reset();
  ctx.progress(`delivery (${o.label}): ${count.toLocaleString("en-US")} due deliveries written in ${Math.round(seedMs)} ms; starting hookgate to drain them`);
  const name = `drain-${o.label}`;
  const daemon = await ctx.startDaemon(name, o.dataDir);
  try {
    const got = await ctx.receiver.waitFor(count, 240_000);
    // The receiver has them all; the daemon records the last attempts a moment later.
    const deadline = performance.now() + 30_000;
    while (nearPending(o.dataDir) > 0) {
      if (performance.now() > deadline) throw new Error(`delivery (${o.label}): the receiver has every delivery, yet some stay pending`);
      await Bun.sleep(20);
    }
    const seconds = (got.last_at - daemon.spawnedAt) / 1000;
    return {
      count,
      seconds,
      perSecond: count / seconds,
      steadyPerSecond: count / ((got.last_at - got.first_at) / 1000),
      duplicates: got.duplicates,
      connections: got.connections,
      failedAttempts: failedAttempts(o.dataDir),
      seedMs,
    };
  } finally {
    await ctx.stopDaemon(daemon, name);
  }
}

/** Plain signed fetch POSTs, `drainCount` of them at hookgate's concurrency, from their own process. */
export async function runFetchCeiling(ctx: BenchContext): Promise<{ perSecond: number; seconds: number; timeWait: number; connections: number }> {
  const count = ctx.sizes.drainCount;
  await ctx.receiver.reset();
  ctx.progress(`delivery ceiling: ${count.toLocaleString("en-US")} signed fetch POSTs, ${BENCH_CONCURRENCY} at a time`);
  const child = spawnBunScript("fetch-ceiling.ts", ["--url", ctx.receiver.hookUrl, "--count", String(count), "--concurrency", String(BENCH_CONCURRENCY)]);
  const result = await child.line((r) => typeof r.per_second === "number", 240_000, "fetch ceiling result");
  await child.proc.exited;
  const timeWait = timeWaitCount(new Set([ctx.receiver.port]));
  const got = await ctx.receiver.stats();
  if (result.failures > 0 || got.unique !== count) {
    throw new Error(`fetch ceiling: ${result.failures} failed requests, receiver counted ${got.unique} of ${count}`);
  }
  return { perSecond: result.per_second, seconds: result.seconds, timeWait, connections: got.connections };
}
