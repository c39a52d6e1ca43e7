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
import type { Percentiles } from "../../domain/model.ts";

/** Counts by bin number, dense: index = bin (one array may hold several histograms side by side). */
export type Histogram = Float64Array | Uint32Array;

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

  /** How many bins there are: the length of one histogram. */
  get size(): number {
    return this.lows.length;
  }

  /** A new empty histogram; `count` of them side by side when asked (32-bit counts, for the many small ones of a series). */
  histogram(count = 1): Histogram {
    return count === 1 ? new Float64Array(this.lows.length) : new Uint32Array(this.lows.length * count);
  }

  /**
   * Nearest-rank percentile q (0..1) of the histogram at `offset` holding
   * `n` values: the bin of the ceil(q·n)-th smallest value; null when empty.
   */
  percentile(h: Histogram, q: number, n: number, offset = 0): number | null {
    if (n === 0) return null;
    // The epsilon keeps 0.95 · 60 (57.000…01 in floating point) at rank 57.
    const rank = Math.max(1, Math.ceil(q * n - 1e-9));
    let seen = 0;
    const end = offset + this.lows.length;
    for (let i = offset; i < end; i++) {
      seen += h[i]!;
      if (seen >= rank) return this.values[i - offset]!;
    }
    return this.values.at(-1)!;
  }

  /** p50, p95 and p99 of a histogram holding `n` values. */
  percentiles(h: Histogram, n: number): Percentiles {
    return { p50: this.percentile(h, 0.5, n), p95: this.percentile(h, 0.95, n), p99: this.percentile(h, 0.99, n) };
  }
}

/**
 * Reads a rollup's JSON histogram ({"bin":count,...}, as SQLite writes it:
 * no spaces) into `bins` and `counts`; answers how many entries. A scan of
 * the digits into reused arrays instead of JSON.parse and a callback per
 * entry, which dominated a report's time.
 */
export function readBins(json: string, bins: Int32Array, counts: Float64Array): number {
  let k = 0;
  let i = 1; // past "{"
  const len = json.length;
  while (i < len && json.charCodeAt(i) === 0x22) {
    i++; // '"' opens a key; anything else is the closing "}"
    let bin = 0;
    for (let c = json.charCodeAt(i); c !== 0x22; c = json.charCodeAt(++i)) bin = bin * 10 + (c - 48);
    i += 2; // '":'
    let count = 0;
    for (let c = json.charCodeAt(i); c >= 48 && c <= 57; c = json.charCodeAt(++i)) count = count * 10 + (c - 48);
    bins[k] = bin;
    counts[k] = count;
    k++;
    i++; // ',' or '}'
  }
  return k;
}
