/**
 * Footprint: exec → /readyz answering (median of several starts on an empty
 * data dir, /readyz polled every 2 ms), idle RSS after the last start has
 * settled, and the executable's size. Peak RSS is collected by the other
 * runs (BenchContext.peak).
 */
import { statSync } from "node:fs";
import type { BenchContext } from "../context.ts";
import { percentile } from "../stats.ts";

export interface FootprintResult {
  readyMs: number[];
  readyMedianMs: number;
  idleRssBytes: number;
  executableBytes: number;
}

const SETTLE_MS = 2000;

export async function runFootprint(ctx: BenchContext): Promise<FootprintResult> {
  ctx.progress(`footprint: ${ctx.sizes.readyStarts} starts on empty data dirs`);
  const readyMs: number[] = [];
  let idleRssBytes = 0;
  for (let i = 0; i < ctx.sizes.readyStarts; i++) {
    const daemon = await ctx.startDaemon(`footprint-${i}`, ctx.dataDir(`footprint-${i}`));
    readyMs.push(daemon.readyAt - daemon.spawnedAt);
    if (i === ctx.sizes.readyStarts - 1) {
      // Idle: started, nothing to do; given a moment for start-up garbage to be collected.
      await Bun.sleep(SETTLE_MS);
      idleRssBytes = daemon.rss();
    }
    await ctx.stopDaemon(daemon, `footprint-${i}`);
  }
  return {
    readyMs,
    readyMedianMs: percentile(Float64Array.from(readyMs).sort(), 50),
    idleRssBytes,
    executableBytes: statSync(ctx.binary).size,
  };
}
