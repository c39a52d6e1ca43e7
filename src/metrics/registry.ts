/**
 * A small metrics registry rendering the Prometheus text exposition format
 * 0.0.4: counters, gauges and histograms with fixed buckets, each with a
 * declared, fixed set of label names. Our own instead of prom-client, which
 * pulls Node internals into the single executable for far more than we use.
 *
 * Format rules kept here: one `# HELP` (with `\` and newline escaped) and one
 * `# TYPE` per family, then its samples; label values escape `\`, `"` and
 * newline; histogram buckets are cumulative, end with `le="+Inf"` equal to
 * `_count`, and come with `_sum`; values are Go-parseable floats (`+Inf`,
 * `-Inf`, `NaN`). Series are sorted by label values so a scrape is stable.
 */

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Options<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** Series of one family, keyed by their label values in labelNames order. */
abstract class Family<L extends string, S> {
  abstract readonly type: MetricType;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  protected readonly series = new Map<string, { values: string[]; state: S }>();

  constructor(options: Options<L>) {
    if (!METRIC_NAME.test(options.name)) throw new Error(`invalid metric name ${options.name}`);
    for (const l of options.labelNames ?? []) {
      if (!LABEL_NAME.test(l) || l.startsWith("__") || l === "le") throw new Error(`invalid label name ${l} on ${options.name}`);
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  protected abstract initial(): S;

  /** The series for `labels`, created on first use; exactly the declared label names, a programming error otherwise. */
  protected at(labels: Partial<Record<L, string>>): S {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !this.labelNames.every((l) => typeof labels[l] === "string")) {
      throw new Error(`${this.name} takes labels [${this.labelNames.join(", ")}], got [${given.join(", ")}]`);
    }
    const values = this.labelNames.map((l) => labels[l]!);
    const key = JSON.stringify(values);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { values, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  /** Creates the series at zero, so it is scraped before its first event (rate() needs a starting point). */
  touch(labels: Record<L, string>): void {
    this.at(labels);
  }

  /** Forgets every series whose `label` is `value` (e.g. a deleted endpoint's). */
  removeWhere(label: L, value: string): void {
    const i = this.labelNames.indexOf(label);
    for (const [key, entry] of this.series) if (entry.values[i] === value) this.series.delete(key);
  }

  /** Forgets every series (scrape-time gauges are rebuilt on each scrape). */
  reset(): void {
    this.series.clear();
  }

  /** The family's lines: HELP, TYPE, then the samples of each series in label order. */
  render(): string[] {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    const entries = [...this.series.values()].sort((a, b) => compareValues(a.values, b.values));
    for (const { values, state } of entries) {
      const pairs: [string, string][] = this.labelNames.map((l, i) => [l, values[i]!]);
      lines.push(...this.samples(pairs, state));
    }
    return lines;
  }

  protected abstract samples(labels: [string, string][], state: S): string[];
}

/** A value that only goes up (reset on restart, which Prometheus' rate() handles). */
export class Counter<L extends string = never> extends Family<L, { v: number }> {
  readonly type = "counter";
  protected initial() {
    return { v: 0 };
  }
  inc(labels: Record<L, string>, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter cannot go down (${by})`);
    this.at(labels).v += by;
  }
  protected samples(labels: [string, string][], s: { v: number }) {
    return [sample(this.name, labels, s.v)];
  }
}

/** A value that goes up and down; ours are mostly set at scrape time. */
export class Gauge<L extends string = never> extends Family<L, { v: number }> {
  readonly type = "gauge";
  protected initial() {
    return { v: 0 };
  }
  set(labels: Record<L, string>, value: number): void {
    this.at(labels).v = value;
  }
  protected samples(labels: [string, string][], s: { v: number }) {
    return [sample(this.name, labels, s.v)];
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into fixed buckets (upper bounds, ascending; +Inf is implied). */
export class Histogram<L extends string = never> extends Family<L, HistogramState> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(options: Options<L> & { buckets: readonly number[] }) {
    super(options);
    const b = options.buckets;
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= b[i - 1]!))) {
      throw new Error(`${options.name}: buckets must be finite and strictly ascending`);
    }
    this.buckets = b;
  }
  protected initial(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  observe(labels: Record<L, string>, value: number): void {
    const s = this.at(labels);
    // Counted in the first bucket that holds it; render() makes them cumulative.
    const i = this.buckets.findIndex((upper) => value <= upper);
    if (i >= 0) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  protected samples(labels: [string, string][], s: HistogramState) {
    const lines: string[] = [];
    let cumulative = 0;
    this.buckets.forEach((upper, i) => {
      cumulative += s.counts[i]!;
      lines.push(sample(`${this.name}_bucket`, [...labels, ["le", formatValue(upper)]], cumulative));
    });
    lines.push(sample(`${this.name}_bucket`, [...labels, ["le", "+Inf"]], s.count));
    lines.push(sample(`${this.name}_sum`, labels, s.sum));
    lines.push(sample(`${this.name}_count`, labels, s.count));
    return lines;
  }
}

/** The families of one exposition, rendered in the order they were registered. */
export class Registry {
  private readonly families: { name: string; render(): string[] }[] = [];

  counter<L extends string = never>(options: Options<L>): Counter<L> {
    return this.add(new Counter<L>(options));
  }
  gauge<L extends string = never>(options: Options<L>): Gauge<L> {
    return this.add(new Gauge<L>(options));
  }
  histogram<L extends string = never>(options: Options<L> & { buckets: readonly number[] }): Histogram<L> {
    return this.add(new Histogram<L>(options));
  }

  /** The whole exposition, newline-terminated. */
  render(): string {
    return `${this.families.flatMap((f) => f.render()).join("\n")}\n`;
  }

  private add<F extends { name: string; render(): string[] }>(family: F): F {
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.families.push(family);
    return family;
  }
}

/** The content type of the text exposition format this registry writes. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function sample(name: string, labels: [string, string][], value: number): string {
  const set = labels.length === 0 ? "" : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
  return `${name}${set} ${formatValue(value)}`;
}

/** A float as Go's ParseFloat reads it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function compareValues(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
