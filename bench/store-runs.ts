/**
 * The ingest and delivery runs on one data dir, done twice: on an empty
 * database and with a far-future backlog already pending (the same endpoint,
 * so the per-endpoint indexes hold the backlog too). Both dirs are built the
 * same way, so the two sets of figures differ only by the backlog.
 */
import { rmSync } from "node:fs";
import type { BenchContext } from "./context.ts";
import { runDrain, type DrainResult } from "./phases/drain.ts";
import { runIngest, type IngestResult } from "./phases/ingest.ts";
import { addDeliveries, seedDataDir } from "./seed-backlog.ts";

export interface StoreRuns {
  ingest: IngestResult | null;
  drain: DrainResult | null;
  /** Far-future deliveries pending during the runs. */
  backlog: number;
  backlogSeedMs: number;
}

const FAR_FUTURE_MS = 365 * 86_400_000;

export async function runStoreRuns(ctx: BenchContext, o: { label: string; backlog: number; ingest: boolean; drain: boolean }): Promise<StoreRuns> {
  const dir = ctx.dataDir(o.label);
  const endpointId = await seedDataDir(dir, ctx.receiver.hookUrl);
  let backlogSeedMs = 0;
  if (o.backlog > 0) {
    ctx.progress(`${o.label}: writing ${o.backlog.toLocaleString("en-US")} deliveries due in a year`);
    backlogSeedMs = addDeliveries(dir, { targets: [{ id: endpointId, url: ctx.receiver.hookUrl, tenant: "default" }], count: o.backlog, dueAt: Date.now() + FAR_FUTURE_MS });
    ctx.progress(`${o.label}: backlog written in ${Math.round(backlogSeedMs)} ms`);
  }
  let ingest: IngestResult | null = null;
  if (o.ingest) {
    const name = `ingest-${o.label}`;
    const daemon = await ctx.startDaemon(name, dir);
    try {
      ingest = await runIngest(ctx, daemon, o.label);
    } finally {
      await ctx.stopDaemon(daemon, name);
    }
  }
  const drain = o.drain ? await runDrain(ctx, { dataDir: dir, endpointId, label: o.label }) : null;
  if (!ctx.keep) rmSync(dir, { recursive: true, force: true });
  return { ingest, drain, backlog: o.backlog, backlogSeedMs };
}
