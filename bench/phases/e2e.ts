/**
 * End-to-end latency at a steady rate: bench/paced-load.ts sends events
 * evenly paced with their send time inside, the receiver records arrival
 * minus send time. Every WAL checkpoint (hookgate runs one each second)
 * falls inside the window, so a checkpoint stall shows in p99 and max.
 */
import { spawnBunScript, type BenchContext } from "../context.ts";
import { seedDataDir } from "../seed-backlog.ts";
import type { Summary } from "../stats.ts";

export interface E2eResult {
  sent: number;
  rate: number;
  latencyMs: Summary;
  ingestMs: Summary;
  worstLagMs: number;
  duplicates: number;
}

export async function runE2e(ctx: BenchContext): Promise<E2eResult> {
  const dir = ctx.dataDir("e2e");
  await seedDataDir(dir, ctx.receiver.hookUrl);
  const daemon = await ctx.startDaemon("e2e", dir);
  try {
    await ctx.receiver.reset(true);
    ctx.progress(`end-to-end: ${ctx.sizes.e2eRate} events/s for ${ctx.sizes.e2eSeconds} s`);
    const child = spawnBunScript("paced-load.ts", ["--url", daemon.url, "--token", ctx.token, "--rate", String(ctx.sizes.e2eRate), "--seconds", String(ctx.sizes.e2eSeconds)]);
    const load = await child.line((r) => typeof r.sent === "number", ctx.sizes.e2eSeconds * 1000 + 60_000, "paced load result");
    await child.proc.exited;
    if (load.rejected > 0) throw new Error(`end-to-end: ${load.rejected} events not accepted: ${JSON.stringify(load.rejected_samples)}`);
    const got = await ctx.receiver.waitFor(load.accepted, 60_000);
    if (got.bad_bodies > 0 || got.latency_ms === null) throw new Error(`end-to-end: ${got.bad_bodies} deliveries without data.sent_at`);
    return { sent: load.sent, rate: load.rate, latencyMs: got.latency_ms, ingestMs: load.ingest_ms, worstLagMs: load.worst_lag_ms, duplicates: got.duplicates };
  } finally {
    await ctx.stopDaemon(daemon, "e2e");
  }
}
