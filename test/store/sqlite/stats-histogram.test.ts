import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LatencyBins, readBins } from "../../../src/store/sqlite/stats-histogram.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";

let fresh: FreshDb;
let bins: LatencyBins;
beforeAll(() => {
  fresh = openFreshDb();
  bins = LatencyBins.load(fresh.db);
});
afterAll(() => fresh.cleanup());

const YEAR = 365 * 86_400_000;

describe("latency bins", () => {
  test("every value from 0 ms to a year is stood for within 5% by its bin", () => {
    let worst = 0;
    const check = (v: number) => {
      const err = v === 0 ? bins.valueOf(bins.binOf(v)) : Math.abs(bins.valueOf(bins.binOf(v)) - v) / v;
      worst = Math.max(worst, err);
    };
    for (let v = 0; v <= 200_000; v++) check(v);
    for (let v = 200_000; v < YEAR; v = Math.ceil(v * 1.0007) + 1) check(v);
    expect(worst).toBeLessThanOrEqual(0.05);
  });

  test("values up to 11 ms are exact", () => {
    for (let v = 0; v <= 11; v++) expect(bins.valueOf(bins.binOf(v))).toBe(v);
  });

  test("the readers bin a value exactly as the rollup triggers do", () => {
    const sqlBin = fresh.db.query("SELECT bin FROM stats_bins WHERE lo <= max(?, 0) ORDER BY lo DESC LIMIT 1");
    for (const v of [-5, 0, 1, 12, 13, 14, 99, 100, 101, 1234, 59_999, 60_000, 3_600_000, 2 * YEAR]) {
      expect({ v, bin: bins.binOf(v) }).toEqual({ v, bin: (sqlBin.get(v) as { bin: number }).bin });
    }
  });

  test("percentiles are nearest-rank over the bins, null when empty", () => {
    const h = bins.histogram();
    h[bins.binOf(1)] = 50;
    h[bins.binOf(5)] = 45;
    h[bins.binOf(9)] = 4;
    h[bins.binOf(11)] = 1;
    expect(bins.percentiles(h, 100)).toEqual({ p50: 1, p95: 5, p99: 9 });
    expect(bins.percentiles(bins.histogram(), 0)).toEqual({ p50: null, p95: null, p99: null });
  });

  test("reads a rollup's JSON histogram as SQLite writes it", () => {
    const json = (fresh.db.query(`SELECT json_set(json_object('7', 3), '$."130"', 12, '$."0"', 1) AS j`).get() as { j: string }).j;
    const bins = new Int32Array(8);
    const counts = new Float64Array(8);
    expect(readBins(json, bins, counts)).toBe(3);
    expect([...bins.slice(0, 3)]).toEqual([7, 130, 0]);
    expect([...counts.slice(0, 3)]).toEqual([3, 12, 1]);
    expect(readBins("{}", bins, counts)).toBe(0);
  });
});
