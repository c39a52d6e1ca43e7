/**
 * Latency histograms for stats: counts by fixed log-scale bin, and the
 * percentiles read from them. The bins are the rows of stats_bins (migration
 * 0005), which the rollup triggers use too; this module only reads them.
 *
 * Resolution: bins are exact up to 11 ms, then each holds the integers from
 * `lo` to below ceil(1.09 · lo). A bin is reported as the harmonic mean of
 * its ends, 2ab/(a+b), which is the value whose worst relative distance to
 * any value in the bin is smallest: (b-a)/(a+b) < 0.09/2.09 ≈ 4.3%; rounding
 * to 0.1 ms adds at most 0.05/12 ≈ 0.4%. So every percentile is within 5% of
 * the exact nearest-rank percentile of the same values (below about a year,
 * where the last, open-ended bin starts).
 */
import type { Database } from "bun:sqlite";
import type { Percentiles } from "./types.ts";

/** Counts by bin number. */
export type Histogram = Map<number, number>;

/** The bins, loaded once from stats_bins. */
export class LatencyBins {
  private readonly lows: number[];
  private readonly values: number[];

  constructor(lows: number[]) {
    this.lows = lows;
    this.values = lows.map((a, bin) => {
      const next = lows[bin + 1];
      if (next === undefined) return a; // the open-ended last bin
      const b = next - 1;
      return a === b ? a : Math.round((20 * a * b) / (a + b)) / 10;
    });
  }

  static load(db: Database): LatencyBins {
    const rows = db.query("SELECT lo FROM stats_bins ORDER BY bin").all() as { lo: number }[];
    return new LatencyBins(rows.map((r) => r.lo));
  }

  /** The bin holding `ms` (negative counts as 0), as the triggers compute it. */
  binOf(ms: number): number {
    const v = Math.max(0, ms);
    let lo = 0;
    let hi = this.lows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lows[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The value a bin stands for in percentiles. */
  valueOf(bin: number): number {
    return this.values[bin] ?? this.values.at(-1)!;
  }

  /** Nearest-rank p50/p95/p99: the bin of the ceil(q·n)-th smallest value; null when empty. */
  percentiles(h: Histogram): Percentiles {
    let n = 0;
    for (const c of h.values()) n += c;
    if (n === 0) return { p50: null, p95: null, p99: null };
    const bins = [...h.keys()].sort((a, b) => a - b);
    const at = (q: number): number => {
      // The epsilon keeps 0.95 · 60 (57.000…01 in floating point) at rank 57.
      const rank = Math.max(1, Math.ceil(q * n - 1e-9));
      let seen = 0;
      for (const bin of bins) {
        seen += h.get(bin)!;
        if (seen >= rank) return this.valueOf(bin);
      }
      return this.valueOf(bins.at(-1)!);
    };
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

/** Adds `count` to one bin. */
export function addToBin(h: Histogram, bin: number, count: number): void {
  h.set(bin, (h.get(bin) ?? 0) + count);
}

/** Parses a rollup's JSON histogram ({"bin": count}); null for an empty one. */
export function parseHistogram(json: string): [number, number][] | null {
  if (json === "{}") return null;
  return Object.entries(JSON.parse(json) as Record<string, number>).map(([k, v]) => [Number(k), v]);
}
