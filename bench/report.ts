/**
 * The bench's output: one aligned table (figure, value, ceiling, ratio,
 * target, pass/fail), the notes that explain it, and one JSON line with
 * every figure for scripts and for comparing runs.
 */

export interface Row {
  figure: string;
  value: string;
  ceiling?: string;
  ratio?: string;
  target?: string;
  /** null: no target, only information. */
  ok?: boolean | null;
}

const HEADERS = ["figure", "value", "ceiling", "ratio", "target", "result"] as const;

/** Renders the rows as a fixed-width text table. */
export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.figure, r.value, r.ceiling ?? "", r.ratio ?? "", r.target ?? "", r.ok === undefined || r.ok === null ? "" : r.ok ? "pass" : "FAIL"]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => (i === 1 || i === 2 || i === 3 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(HEADERS), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

/** 12345.6 -> "12,346". */
export function int(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a";
}

/** Milliseconds with precision that suits their size. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  return n < 10 ? `${n.toFixed(2)} ms` : n < 100 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`;
}

export function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "n/a";
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
