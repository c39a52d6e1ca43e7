/**
 * The latency bins of the SQLite backend's stats_bins table (its migration
 * 0005), computed here with the same integer arithmetic: both backends bin
 * every duration alike, so their percentiles agree to the bin.
 */
import { LatencyBins } from "../sqlite/stats-histogram.ts";

/** Where the last, open-ended bin begins: about a year. */
const LAST_LOW = 31_536_000_000;

/** Each bin's lowest value: exact up to 11 ms, then each bin about 9% wider than the one before. */
export function binLows(): number[] {
  const lows = [0];
  for (let lo = 0; lo < LAST_LOW; ) {
    lo = Math.max(lo + 1, Math.floor((lo * 109 + 99) / 100));
    lows.push(lo);
  }
  return lows;
}

export const LATENCY_BINS = new LatencyBins(binLows());
