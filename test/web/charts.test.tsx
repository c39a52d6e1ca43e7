/** @jsxImportSource hono/jsx */
import { describe, expect, test } from "bun:test";
import { LatencyChart, niceMax, VolumeChart } from "../../src/web/charts.tsx";
import type { StatsSeriesPoint } from "../../src/domain/model.ts";

const point = (i: number, attempts: number, failures: number, p95: number | null): StatsSeriesPoint => ({ start: Date.UTC(2026, 0, 15, 10, i), attempts, failures, p95LatencyMs: p95 });

describe("niceMax", () => {
  test.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [11, 20],
    [199, 200],
    [201, 500],
    [999, 1000],
  ])("%p → %p", (v, expected) => expect(niceMax(v)).toBe(expected));
});

describe("charts", () => {
  test("the volume chart draws one bar per bucket with attempts, failures hatched, and says the totals in words", () => {
    const svg = String(<VolumeChart series={[point(0, 10, 2, 50), point(1, 0, 0, null), point(2, 4, 4, 900)]} bucketMs={60_000} />);
    expect(svg.match(/class="bar-ok"/g)).toHaveLength(1);
    expect(svg.match(/class="bar-fail"/g)).toHaveLength(2);
    expect(svg).toContain('fill="url(#hatch)"');
    expect(svg).toContain('aria-label="Attempts per 1 min: 14 in all, 6 failed"');
    expect(svg).toContain("<title>01-15 10:00: 10 attempts, 2 failed</title>");
  });

  test("the latency chart leaves a gap where a bucket had no attempts", () => {
    const svg = String(<LatencyChart series={[point(0, 1, 0, 100), point(1, 1, 0, 200), point(2, 0, 0, null), point(3, 1, 0, 300), point(4, 1, 0, 50)]} bucketMs={900_000} />);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/class="dot"/g)).toHaveLength(4);
    expect(svg).toContain("highest 300 ms");
  });
});
