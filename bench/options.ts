/** Command-line options of `bun run bench` and the sizes of each run. */
import { parseArgs } from "node:util";

export const PHASES = ["footprint", "ingest", "batch", "delivery", "e2e", "wide", "backlog"] as const;
export type Phase = (typeof PHASES)[number];

export interface Sizes {
  /** wrk duration of each single-event ingest run (hookgate and the bare ceiling). */
  ingestSeconds: number;
  ingestConnections: number;
  batchSeconds: number;
  batchConnections: number;
  batchSize: number;
  /** Deliveries pending at start-up in the drain run (and the fetch ceiling's request count). */
  drainCount: number;
  e2eRate: number;
  e2eSeconds: number;
  wideEndpoints: number;
  wideEvents: number;
  wideDelayMs: number;
  /** Far-future deliveries already pending in the backlog runs. */
  backlogCount: number;
  readyStarts: number;
}

export const FULL: Sizes = {
  ingestSeconds: 10,
  ingestConnections: 64,
  batchSeconds: 5,
  batchConnections: 8,
  batchSize: 1000,
  drainCount: 100_000,
  e2eRate: 1000,
  e2eSeconds: 10,
  wideEndpoints: 1000,
  wideEvents: 20_000,
  wideDelayMs: 50,
  backlogCount: 1_000_000,
  readyStarts: 5,
};

/** A smoke run: every code path, short durations, small counts (figures are not comparable to a full run). */
export const QUICK: Sizes = {
  ...FULL,
  ingestSeconds: 2,
  batchSeconds: 2,
  drainCount: 10_000,
  e2eSeconds: 2,
  wideEvents: 5000,
  backlogCount: 100_000,
  readyStarts: 3,
};

export interface BenchOptions {
  only: Set<Phase>;
  quick: boolean;
  sizes: Sizes;
  /** The executable under test; null: dist/hookgate, built when missing. */
  binary: string | null;
  rebuild: boolean;
  /** Keep the work dir (data dirs, daemon logs, configs) after the run. */
  keep: boolean;
  /** sqlite: the runs above; postgres: the PostgreSQL runs of bench/postgres-runs.ts (--only does not apply). */
  store: Store;
}

export const STORES = ["sqlite", "postgres"] as const;
export type Store = (typeof STORES)[number];

export const USAGE = `usage: bun run bench [--only ${PHASES.join(",")}] [--quick] [--binary PATH] [--rebuild] [--keep] [--store sqlite|postgres]`;

/** Parses argv (after the script name); throws with a readable message on a bad flag or phase name. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      binary: { type: "string" },
      rebuild: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      store: { type: "string", default: "sqlite" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) throw new Error(USAGE);
  const only = new Set<Phase>();
  for (const name of (values.only ?? PHASES.join(",")).split(",").map((s) => s.trim()).filter(Boolean)) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown run "${name}"; expected some of ${PHASES.join(", ")}`);
    only.add(name as Phase);
  }
  if (values.binary && values.rebuild) throw new Error("--binary and --rebuild do not go together: --rebuild builds dist/hookgate");
  const store = values.store as Store;
  if (!(STORES as readonly string[]).includes(store)) throw new Error(`--store: unknown store "${values.store}"; expected sqlite or postgres`);
  if (store === "postgres" && values.only !== undefined) throw new Error("--only applies to --store sqlite; --store postgres has its own fixed runs");
  return { only, quick: values.quick, sizes: values.quick ? QUICK : FULL, binary: values.binary ?? null, rebuild: values.rebuild, keep: values.keep, store };
}
