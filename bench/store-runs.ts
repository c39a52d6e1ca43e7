/**
 * The ingest and delivery runs on an empty database and, for the backlog
 * comparison, on one with a far-future backlog already pending (the same
 * endpoint, so the per-endpoint indexes hold the backlog too). Both data
 * dirs are built first; then each run on the empty one is followed at once
 * by the same run on the backlog one, so that a shared machine's drifting
 * load touches both figures of a ratio alike.
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

interface Prepared {
  label: string;
  dir: string;
  endpointId: string;
  runs: StoreRuns;
}

export async function runStoreRuns(
  ctx: BenchContext,
  o: { ingest: boolean; drain: boolean; backlog: number | null },
): Promise<{ empty: StoreRuns; backlog: StoreRuns | null }> {
  const prepare = async (label: string, backlog: number): Promise<Prepared> => {
    const dir = ctx.dataDir(label);
    const endpointId = await seedDataDir(dir, ctx.receiver.hookUrl);
    let backlogSeedMs = 0;
    if (backlog > 0) {
      ctx.progress(`${label}: writing ${backlog.toLocaleString("en-US")} deliveries due in a year`);
      backlogSeedMs = addDeliveries(dir, { targets: [{ id: endpointId, url: ctx.receiver.hookUrl, tenant: "default" }], count: backlog, dueAt: Date.now() + FAR_FUTURE_MS });
      ctx.progress(`${label}: backlog written in ${Math.round(backlogSeedMs)} ms`);
    }
    return { label, dir, endpointId, runs: { ingest: null, drain: null, backlog, backlogSeedMs } };
  };
  const pairs = [await prepare("empty", 0)];
  if (o.backlog !== null) pairs.push(await prepare("backlog", o.backlog));

  if (o.ingest) {
    for (const p of pairs) {
      const name = `ingest-${p.label}`;
      const daemon = await ctx.startDaemon(name, p.dir);
      try {
        p.runs.ingest = await runIngest(ctx, daemon, p.label);
      } finally {
        await ctx.stopDaemon(daemon, name);
      }
    }
  }
  if (o.drain) {
    for (const p of pairs) p.runs.drain = await runDrain(ctx, { dataDir: p.dir, endpointId: p.endpointId, label: p.label });
  }
  if (!ctx.keep) for (const p of pairs) rmSync(p.dir, { recursive: true, force: true });
  return { empty: pairs[0]!.runs, backlog: pairs[1]?.runs ?? null };
}
