/**
 * Durations and sizes as operators write them in the config: "500ms", "15s",
 * "1m", "24h", "30d", "1h30m"; "4KiB", "1MiB", "512". Pure parsers that answer
 * null on anything else, so the config layer can word the error.
 */

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Parses "1h30m"-style durations into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (s === "") return null;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(s); m; m = DURATION_PART.exec(s)) {
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== s.length) return null;
  return Math.round(total);
}

/**
 * Renders milliseconds in the largest exact units, e.g. 90000 -> "1m30s".
 * A day or a little more reads in hours, as people write it ("24h", "36h"),
 * days only from two days up ("2d", "30d").
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  const units = [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000], ["ms", 1]] as const;
  for (const [unit, size] of ms < 2 * 86_400_000 ? units.slice(1) : units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join("");
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses "4KiB", "1MB", "512" into bytes; null when malformed. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return null;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(Number(m[1]) * unit);
}

/** Renders bytes in the largest exact binary unit, e.g. 4096 -> "4KiB". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
