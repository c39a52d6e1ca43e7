/** @jsxImportSource hono/jsx */
/**
 * Charts drawn on the server as inline SVG: no chart library, no script,
 * nothing to download. Failures are hatched as well as coloured, and every
 * chart carries a text summary for screen readers, so none relies on colour.
 */
import { formatRfc3339 } from "../domain/rfc3339.ts";
import type { StatsSeriesPoint } from "../domain/model.ts";
import { duration } from "./format.tsx";

const W = 420;
const H = 170;
const PAD = { left: 44, right: 8, top: 10, bottom: 24 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** Stacked bars per bucket: successful attempts, with failed attempts hatched on top. */
export function VolumeChart(props: { series: StatsSeriesPoint[]; bucketMs: number }) {
  const { series } = props;
  const max = niceMax(Math.max(0, ...series.map((p) => p.attempts)));
  const slot = PLOT_W / Math.max(series.length, 1);
  const barW = Math.max(1, slot * 0.8);
  const y = (v: number) => PAD.top + PLOT_H - (v / max) * PLOT_H;
  const total = series.reduce((n, p) => n + p.attempts, 0);
  const failed = series.reduce((n, p) => n + p.failures, 0);
  return (
    <svg class="chart volume" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Attempts per ${bucketLabel(props.bucketMs)}: ${total} in all, ${failed} failed`}>
      <defs>
        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" class="fail-bg" />
          <line x1="0" y1="0" x2="0" y2="6" class="fail-line" stroke-width="3" />
        </pattern>
      </defs>
      <Axes max={max} series={series} format={(v) => (Number.isInteger(v) ? String(v) : v.toFixed(1))} />
      {series.map((p, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        const ok = p.attempts - p.failures;
        return (
          <g>
            <title>{`${stamp(p.start)}: ${p.attempts} attempts, ${p.failures} failed`}</title>
            {ok > 0 && <rect class="bar-ok" x={x} y={y(ok)} width={barW} height={PAD.top + PLOT_H - y(ok)} />}
            {p.failures > 0 && <rect fill="url(#hatch)" class="bar-fail" x={x} y={y(p.attempts)} width={barW} height={y(ok) - y(p.attempts)} />}
          </g>
        );
      })}
    </svg>
  );
}

/** p95 attempt latency per bucket as a line; buckets with no attempts leave a gap. */
export function LatencyChart(props: { series: StatsSeriesPoint[]; bucketMs: number }) {
  const { series } = props;
  const max = niceMax(Math.max(0, ...series.map((p) => p.p95LatencyMs ?? 0)));
  const slot = PLOT_W / Math.max(series.length, 1);
  const x = (i: number) => PAD.left + i * slot + slot / 2;
  const y = (v: number) => PAD.top + PLOT_H - (v / max) * PLOT_H;
  // One polyline per run of measured buckets.
  const runs: [number, number][][] = [[]];
  series.forEach((p, i) => {
    if (p.p95LatencyMs === null) runs.push([]);
    else runs.at(-1)!.push([x(i), y(p.p95LatencyMs)]);
  });
  const measured = series.filter((p) => p.p95LatencyMs !== null);
  const worst = measured.length === 0 ? null : Math.max(...measured.map((p) => p.p95LatencyMs!));
  return (
    <svg class="chart latency" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`p95 attempt latency per ${bucketLabel(props.bucketMs)}; highest ${duration(worst)}`}>
      <Axes max={max} series={series} format={(v) => duration(v)} />
      {runs
        .filter((r) => r.length > 1)
        .map((r) => (
          <polyline class="line" fill="none" stroke-width="2" points={r.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")} />
        ))}
      {series.map((p, i) =>
        p.p95LatencyMs === null ? null : (
          <circle class="dot" cx={x(i)} cy={y(p.p95LatencyMs)} r={series.length > 60 ? 2.5 : 3.5}>
            <title>{`${stamp(p.start)}: p95 ${duration(p.p95LatencyMs)}`}</title>
          </circle>
        ),
      )}
    </svg>
  );
}

function Axes(props: { max: number; series: StatsSeriesPoint[]; format: (v: number) => string }) {
  const { series } = props;
  const base = PAD.top + PLOT_H;
  const ticks = series.length === 0 ? [] : [0, Math.floor((series.length - 1) / 2), series.length - 1];
  const slot = PLOT_W / Math.max(series.length, 1);
  return (
    <g class="axes">
      <line x1={PAD.left} y1={base} x2={W - PAD.right} y2={base} class="axis" />
      <line x1={PAD.left} y1={PAD.top} x2={W - PAD.right} y2={PAD.top} class="grid" />
      <line x1={PAD.left} y1={PAD.top + PLOT_H / 2} x2={W - PAD.right} y2={PAD.top + PLOT_H / 2} class="grid" />
      <text x={PAD.left - 4} y={PAD.top + 4} text-anchor="end">
        {props.format(props.max)}
      </text>
      <text x={PAD.left - 4} y={PAD.top + PLOT_H / 2 + 4} text-anchor="end">
        {props.format(props.max / 2)}
      </text>
      <text x={PAD.left - 4} y={base + 4} text-anchor="end">
        0
      </text>
      {[...new Set(ticks)].map((i, k) => (
        <text x={PAD.left + i * slot + slot / 2} y={H - 6} text-anchor={k === 0 ? "start" : k === 2 ? "end" : "middle"}>
          {stamp(series[i]!.start)}
        </text>
      ))}
    </g>
  );
}

/** A round number at or above `v` (1, 2, 5 × 10^n), so the axis reads well; at least 1. */
export function niceMax(v: number): number {
  if (v <= 1) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * exp >= v) return m * exp;
  return 10 * exp;
}

/** "MM-DD HH:MM" UTC: short enough for an axis label, unambiguous across a week. */
function stamp(ms: number): string {
  return formatRfc3339(ms, "seconds").slice(5, 16).replace("T", " ");
}

function bucketLabel(ms: number): string {
  return ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`;
}
