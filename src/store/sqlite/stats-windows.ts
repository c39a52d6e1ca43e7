/**
 * The stats windows' arithmetic, apart from the SQL: each window's length,
 * series bucket and rollup sizes, how long each size is kept, and how a
 * window splits into whole rollup buckets and raw stretches (see stats.ts).
 */
import type { StatsWindow } from "../../domain/model.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Per window: its length, its series bucket, and the rollup sizes it reads (coarsest first, the first = the bucket). */
export const STATS_WINDOWS: Record<StatsWindow, { lengthMs: number; bucketMs: number; levels: number[] }> = {
  "1h": { lengthMs: HOUR, bucketMs: MINUTE, levels: [MINUTE] },
  "24h": { lengthMs: DAY, bucketMs: 15 * MINUTE, levels: [15 * MINUTE, MINUTE] },
  "7d": { lengthMs: 7 * DAY, bucketMs: 2 * HOUR, levels: [2 * HOUR, 15 * MINUTE] },
};

/**
 * How long each rollup size is kept: the longest window that reads it plus
 * a day of margin. Minute rows serve the 1h window and the ends of the 24h
 * one; the others the 7d window.
 */
export const ROLLUP_KEEP_MS: Record<number, number> = {
  [MINUTE]: 2 * DAY,
  [15 * MINUTE]: 8 * DAY,
  [2 * HOUR]: 8 * DAY,
};

/** A stretch of time read from one rollup size, or from the raw rows (level null). */
export interface Segment {
  level: number | null;
  start: number;
  end: number;
}

/**
 * Splits [start, end) into whole buckets of the coarsest level, the ends
 * into the next finer ones, and what is left into raw stretches.
 */
export function coverWindow(start: number, end: number, levels: number[]): Segment[] {
  if (start >= end) return [];
  const [level, ...finer] = levels;
  if (level === undefined) return [{ level: null, start, end }];
  const first = Math.ceil(start / level) * level;
  const last = Math.floor(end / level) * level;
  if (first >= last) return coverWindow(start, end, finer);
  return [...coverWindow(start, first, finer), { level, start: first, end: last }, ...coverWindow(last, end, finer)];
}
