/** The running sums of one stats report (per endpoint and for the totals), filled from rollup and raw rows. */
import type { StatsFigures } from "../../domain/model.ts";
import type { Histogram, LatencyBins } from "./stats-histogram.ts";

/** The series buckets of one report: `count` buckets of `ms` from `first`. */
export interface SeriesShape {
  first: number;
  ms: number;
  count: number;
}

/**
 * The running sums for one endpoint or for the totals. Histograms are dense
 * arrays indexed by bin, the series' ones side by side (bucket i at
 * i · bins.size), so adding a rollup row is array arithmetic.
 */
export class Accumulator {
  deliveries = { pending: 0, succeeded: 0, failed: 0 };
  attempts = 0;
  failures = 0;
  errors: Record<string, number> = {};
  readonly latency: Histogram;
  latencyN = 0;
  readonly ttd: Histogram;
  ttdN = 0;
  readonly seriesAttempts: Float64Array;
  readonly seriesFailures: Float64Array;
  readonly seriesLatency: Histogram;
  readonly seriesLatencyN: Float64Array;

  constructor(
    private readonly bins: LatencyBins,
    private readonly shape: SeriesShape,
  ) {
    this.latency = bins.histogram();
    this.ttd = bins.histogram();
    this.seriesAttempts = new Float64Array(shape.count);
    this.seriesFailures = new Float64Array(shape.count);
    this.seriesLatency = bins.histogram(shape.count);
    this.seriesLatencyN = new Float64Array(shape.count);
  }

  /** Counts attempts and failures in series bucket `i`. */
  addAttempts(i: number, attempts: number, failures: number): void {
    this.attempts += attempts;
    this.failures += failures;
    this.seriesAttempts[i]! += attempts;
    this.seriesFailures[i]! += failures;
  }

  addError(error: string, n: number): void {
    this.errors[error] = (this.errors[error] ?? 0) + n;
  }

  addLatency(i: number, bin: number, n: number): void {
    this.latency[bin]! += n;
    this.latencyN += n;
    this.seriesLatency[i * this.bins.size + bin]! += n;
    this.seriesLatencyN[i]! += n;
  }

  /** The `k` entries read by readBins into series bucket `i`; `total` is their sum. */
  addLatencies(i: number, bins: Int32Array, counts: Float64Array, k: number, total: number): void {
    const { latency, seriesLatency } = this;
    const base = i * this.bins.size;
    for (let j = 0; j < k; j++) {
      latency[bins[j]!]! += counts[j]!;
      seriesLatency[base + bins[j]!]! += counts[j]!;
    }
    this.latencyN += total;
    this.seriesLatencyN[i]! += total;
  }

  addTtd(bin: number, n: number): void {
    this.ttd[bin]! += n;
    this.ttdN += n;
  }

  addTtds(bins: Int32Array, counts: Float64Array, k: number, total: number): void {
    const { ttd } = this;
    for (let j = 0; j < k; j++) ttd[bins[j]!]! += counts[j]!;
    this.ttdN += total;
  }

  figures(): StatsFigures {
    const { bins, shape } = this;
    return {
      deliveries: this.deliveries,
      attempts: this.attempts,
      failedAttempts: this.failures,
      successRate: this.attempts === 0 ? null : (this.attempts - this.failures) / this.attempts,
      attemptLatencyMs: bins.percentiles(this.latency, this.latencyN),
      timeToDeliveryMs: bins.percentiles(this.ttd, this.ttdN),
      failuresByError: this.errors,
      series: Array.from({ length: shape.count }, (_, i) => ({
        start: shape.first + i * shape.ms,
        attempts: this.seriesAttempts[i]!,
        failures: this.seriesFailures[i]!,
        p95LatencyMs: bins.percentile(this.seriesLatency, 0.95, this.seriesLatencyN[i]!, i * bins.size),
      })),
    };
  }
}
