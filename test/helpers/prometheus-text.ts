/**
 * A strict little parser of the Prometheus text exposition format 0.0.4, for
 * tests: every line must be a HELP, a TYPE, a comment, blank, or a sample
 * with valid metric and label names, properly escaped label values and a
 * Go-parseable value. It also checks what a scraper relies on: one TYPE per
 * family, before its samples; no duplicate series; histograms with
 * cumulative buckets ending at le="+Inf" equal to _count, and a _sum.
 * Throws on the first problem, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
  /** The value of the one sample with exactly these labels; undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_PAIR = new RegExp(`^(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

export function parsePrometheusText(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const seen = new Set<string>();
  const sampled = new Set<string>();
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${JSON.stringify(line)})`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const h = HELP.exec(line);
      const t = TYPE.exec(line);
      if (h) {
        if (help.has(h[1]!)) throw new Error(`${where}: second HELP for ${h[1]}`);
        if (/\\[^\\n]|\\$/.test(h[2]!.replace(/\\\\/g, ""))) throw new Error(`${where}: bad escape in HELP`);
        help.set(h[1]!, h[2]!);
      } else if (t) {
        if (types.has(t[1]!)) throw new Error(`${where}: second TYPE for ${t[1]}`);
        if (sampled.has(t[1]!)) throw new Error(`${where}: TYPE after samples of ${t[1]}`);
        types.set(t[1]!, t[2]!);
      } else if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
        throw new Error(`${where}: malformed HELP or TYPE`);
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`${where}: not a sample line`);
    const [, name, labelText, valueText] = m;
    if (!VALUE.test(valueText!)) throw new Error(`${where}: value ${valueText} is not a float`);
    const labels: Record<string, string> = {};
    let rest = labelText ?? "";
    while (rest !== "") {
      const p = LABEL_PAIR.exec(rest);
      if (!p) throw new Error(`${where}: bad label set at ${JSON.stringify(rest)}`);
      if (p[1]! in labels) throw new Error(`${where}: label ${p[1]} twice`);
      labels[p[1]!] = p[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
      rest = rest.slice(p[0].length);
      if (p[3] === "," && rest === "") break; // a trailing comma is allowed
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    sampled.add(familyOf(name!, types));
    const value = valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
    samples.push({ name: name!, labels, value });
  });
  checkHistograms(samples, types);

  const matches = (s: Sample, name: string, labels: Record<string, string>) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v);
  return {
    samples,
    types,
    help,
    find: (name, labels = {}) => samples.filter((s) => matches(s, name, labels)),
    value(name, labels = {}) {
      const found = samples.filter((s) => matches(s, name, labels) && Object.keys(s.labels).length === Object.keys(labels).length);
      if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
      return found[0]?.value;
    },
  };
}

/** The family a sample belongs to: a histogram's _bucket/_sum/_count belong to the base name. */
function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && types.get(base) === "histogram" ? base : name;
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
    const get = (labels: Record<string, string>) => {
      const { le: _le, ...rest } = labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      if (!series.has(key)) series.set(key, { buckets: [] });
      return series.get(key)!;
    };
    for (const s of samples) {
      if (s.name === family) throw new Error(`histogram ${family} has a bare sample`);
      if (s.name === `${family}_bucket`) {
        if (s.labels.le === undefined) throw new Error(`${family}_bucket without le`);
        const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
        if (!VALUE.test(s.labels.le)) throw new Error(`${family}_bucket le=${s.labels.le} is not a float`);
        get(s.labels).buckets.push([le, s.value]);
      } else if (s.name === `${family}_sum`) get(s.labels).sum = s.value;
      else if (s.name === `${family}_count`) get(s.labels).count = s.value;
    }
    for (const [key, h] of series) {
      const where = `histogram ${family}${key}`;
      if (h.sum === undefined || h.count === undefined) throw new Error(`${where}: missing _sum or _count`);
      const last = h.buckets.at(-1);
      if (!last || last[0] !== Infinity) throw new Error(`${where}: buckets do not end with le="+Inf"`);
      if (last[1] !== h.count) throw new Error(`${where}: +Inf bucket ${last[1]} differs from _count ${h.count}`);
      h.buckets.forEach(([le, v], i) => {
        if (i === 0) return;
        const [prevLe, prevV] = h.buckets[i - 1]!;
        if (le <= prevLe) throw new Error(`${where}: le not ascending at ${le}`);
        if (v < prevV) throw new Error(`${where}: buckets not cumulative at le=${le}`);
      });
    }
  }
}
