/**
 * Turns the runs' results into the table rows (with the issue's targets)
 * and the JSON record. Targets are for the reference machine (2 cores);
 * a --quick run shows them too, but its short runs are not comparable.
 */
import { BENCH_CONCURRENCY } from "./daemon.ts";
import type { DrainResult } from "./phases/drain.ts";
import type { E2eResult } from "./phases/e2e.ts";
import type { FootprintResult } from "./phases/footprint.ts";
import type { IngestResult } from "./phases/ingest.ts";
import type { WideResult } from "./phases/wide.ts";
import { int, mib, ms, pct, type Row } from "./report.ts";
import type { StoreRuns } from "./store-runs.ts";
import type { WrkResult } from "./wrk.ts";

export const TARGETS = {
  ingestPerSecond: 20_000,
  ingestOfCeiling: 0.4,
  batchPerSecond: 150_000,
  drainPerSecond: 12_000,
  drainOfCeiling: 0.45,
  e2eP50Ms: 1.5,
  e2eP99Ms: 8,
  wideOfBound: 0.8,
  /** Each backlog figure at most this much worse than on the empty database. */
  backlogWorse: 0.1,
  idleRssBytes: 60 * 1024 * 1024,
  peakRssBytes: 150 * 1024 * 1024,
  readyMs: 150,
};

export interface Results {
  footprint?: FootprintResult;
  peakRss?: { bytes: number; run: string };
  ingestCeiling?: WrkResult;
  empty?: StoreRuns;
  fetchCeiling?: { perSecond: number; seconds: number; timeWait: number; connections: number };
  batch?: { wrk: WrkResult; eventsPerSecond: number };
  e2e?: E2eResult;
  wide?: WideResult;
  backlog?: StoreRuns;
}

export function buildRows(r: Results): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  const notes: string[] = [];
  const t = TARGETS;

  const ingest = r.empty?.ingest;
  if (ingest) {
    const ceiling = r.ingestCeiling;
    const ratio = ceiling ? ingest.wrk.requestsPerSecond / ceiling.requestsPerSecond : Number.NaN;
    rows.push({
      figure: "ingest events/s (64 conns)",
      value: int(ingest.wrk.requestsPerSecond),
      ceiling: ceiling ? int(ceiling.requestsPerSecond) : "",
      ratio: pct(ratio),
      target: `≥ ${int(t.ingestPerSecond)}, ≥ ${pct(t.ingestOfCeiling)}`,
      ok: ingest.wrk.requestsPerSecond >= t.ingestPerSecond && ratio >= t.ingestOfCeiling,
    });
    rows.push({ figure: "ingest latency p50 / p99", value: `${ms(ingest.wrk.latencyMs.p50)} / ${ms(ingest.wrk.latencyMs.p99)}`, ceiling: ceiling ? `${ms(ceiling.latencyMs.p50)} / ${ms(ceiling.latencyMs.p99)}` : "" });
    notes.push(ingestNote("empty", ingest));
  }
  if (r.batch) {
    rows.push({ figure: "batch ingest events/s (1000/call)", value: int(r.batch.eventsPerSecond), target: `≥ ${int(t.batchPerSecond)}`, ok: r.batch.eventsPerSecond >= t.batchPerSecond });
    notes.push(`batch: ${r.batch.wrk.requestsPerSecond.toFixed(1)} calls/s, call latency p50 ${ms(r.batch.wrk.latencyMs.p50)}, p99 ${ms(r.batch.wrk.latencyMs.p99)}`);
  }
  const drain = r.empty?.drain;
  if (drain) {
    const ceiling = r.fetchCeiling;
    const ratio = ceiling ? drain.perSecond / ceiling.perSecond : Number.NaN;
    rows.push({
      figure: `delivery drain/s (${int(drain.count)} due, ${BENCH_CONCURRENCY} slots)`,
      value: int(drain.perSecond),
      ceiling: ceiling ? int(ceiling.perSecond) : "",
      ratio: pct(ratio),
      target: `≥ ${int(t.drainPerSecond)}, ≥ ${pct(t.drainOfCeiling)}`,
      ok: drain.perSecond >= t.drainPerSecond && ratio >= t.drainOfCeiling,
    });
    notes.push(drainNote("empty", drain));
    if (ceiling) notes.push(`fetch ceiling: ${int(drain.count)} requests in ${ceiling.seconds.toFixed(1)} s over ${int(ceiling.connections)} connections; ${int(ceiling.timeWait)} sockets to the receiver in TIME_WAIT after it`);
  }
  if (r.e2e) {
    const l = r.e2e.latencyMs;
    rows.push({
      figure: `end-to-end p50 / p95 / p99 (${int(r.e2e.rate)}/s)`,
      value: `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)}`,
      target: `p50 ≤ ${t.e2eP50Ms} ms, p99 ≤ ${t.e2eP99Ms} ms`,
      ok: l.p50 <= t.e2eP50Ms && l.p99 <= t.e2eP99Ms,
    });
    notes.push(
      `end-to-end: ${int(l.n)} events, max ${ms(l.max)}; ingest answer p50 ${ms(r.e2e.ingestMs.p50)}, p99 ${ms(r.e2e.ingestMs.p99)}; ` +
        `sender at most ${ms(r.e2e.worstLagMs)} behind its schedule; ${r.e2e.duplicates} duplicates`,
    );
  }
  if (r.wide) {
    const w = r.wide;
    const ratio = w.perSecond / w.boundPerSecond;
    rows.push({
      figure: `wide & slow deliveries/s (${w.endpoints} origins, ${BENCH_CONCURRENCY} slots)`,
      value: int(w.perSecond),
      ceiling: int(w.boundPerSecond),
      ratio: pct(ratio),
      target: `≥ ${pct(t.wideOfBound)} of bound`,
      ok: ratio >= t.wideOfBound,
    });
    notes.push(
      `wide & slow: ${int(w.events)} deliveries in ${w.seconds.toFixed(1)} s from exec; at most ${w.maxInFlight} requests held at once over ${int(w.connections)} connections; ` +
        `TIME_WAIT to the slow ports ${w.timeWaitBefore} before, max ${w.timeWaitMax} during, ${w.timeWaitAfter} after; ${w.duplicates} duplicates, ${w.failedAttempts} failed attempts`,
    );
  }
  if (r.backlog) {
    const label = `with ${int(r.backlog.backlog)} pending`;
    const bi = r.backlog.ingest;
    if (bi) {
      const base = r.empty?.ingest;
      const ratio = base ? bi.wrk.requestsPerSecond / base.wrk.requestsPerSecond : Number.NaN;
      rows.push({ figure: `backlog: ingest events/s`, value: int(bi.wrk.requestsPerSecond), ceiling: base ? int(base.wrk.requestsPerSecond) : "", ratio: pct(ratio), target: `≥ ${pct(1 - t.backlogWorse)} of empty`, ok: base ? ratio >= 1 - t.backlogWorse : null });
      const p99Ratio = base ? bi.wrk.latencyMs.p99 / base.wrk.latencyMs.p99 : Number.NaN;
      rows.push({
        figure: `backlog: ingest p50 / p99`,
        value: `${ms(bi.wrk.latencyMs.p50)} / ${ms(bi.wrk.latencyMs.p99)}`,
        ceiling: base ? `${ms(base.wrk.latencyMs.p50)} / ${ms(base.wrk.latencyMs.p99)}` : "",
        ratio: pct(p99Ratio),
        target: `p99 ≤ ${pct(1 + t.backlogWorse)} of empty`,
        ok: base ? p99Ratio <= 1 + t.backlogWorse : null,
      });
      notes.push(ingestNote(label, bi));
    }
    const bd = r.backlog.drain;
    if (bd) {
      const base = r.empty?.drain;
      const ratio = base ? bd.perSecond / base.perSecond : Number.NaN;
      rows.push({ figure: `backlog: delivery drain/s`, value: int(bd.perSecond), ceiling: base ? int(base.perSecond) : "", ratio: pct(ratio), target: `≥ ${pct(1 - t.backlogWorse)} of empty`, ok: base ? ratio >= 1 - t.backlogWorse : null });
      notes.push(drainNote(label, bd));
    }
    notes.push(`backlog: ${int(r.backlog.backlog)} far-future deliveries written in ${(r.backlog.backlogSeedMs / 1000).toFixed(1)} s`);
  }
  if (r.footprint) {
    const f = r.footprint;
    rows.push({ figure: "RSS idle", value: mib(f.idleRssBytes), target: `≤ ${mib(t.idleRssBytes)}`, ok: f.idleRssBytes <= t.idleRssBytes });
  }
  if (r.peakRss && r.peakRss.bytes > 0) {
    rows.push({ figure: `RSS peak (${r.peakRss.run})`, value: mib(r.peakRss.bytes), target: `≤ ${mib(t.peakRssBytes)}`, ok: r.peakRss.bytes <= t.peakRssBytes });
  }
  if (r.footprint) {
    const f = r.footprint;
    rows.push({ figure: "executable size", value: mib(f.executableBytes) });
    rows.push({ figure: `exec → /readyz (median of ${f.readyMs.length})`, value: ms(f.readyMedianMs), target: `≤ ${t.readyMs} ms`, ok: f.readyMedianMs <= t.readyMs });
    notes.push(`ready: ${f.readyMs.map((m) => Math.round(m)).join(", ")} ms`);
  }
  return { rows, notes };
}

function ingestNote(label: string, i: IngestResult): string {
  return (
    `ingest (${label}): ${int(i.wrk.requests)} events in ${i.wrk.seconds.toFixed(1)} s, max ${ms(i.wrk.latencyMs.max)}; ` +
    `last delivery ${(i.settleMs / 1000).toFixed(1)} s after the load ended; ${int(i.delivered)} delivered, ${i.duplicates} duplicates, ${i.failedAttempts} failed attempts`
  );
}

function drainNote(label: string, d: DrainResult): string {
  return (
    `delivery (${label}): ${int(d.count)} in ${d.seconds.toFixed(1)} s from exec (${int(d.steadyPerSecond)}/s from the first arrival); ` +
    `${int(d.connections)} connections, ${d.duplicates} duplicates, ${d.failedAttempts} failed attempts; seeded in ${(d.seedMs / 1000).toFixed(1)} s`
  );
}
