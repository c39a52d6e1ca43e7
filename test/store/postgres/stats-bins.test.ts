/** PostgreSQL only: its latency bins are the SQLite backend's, so both backends report the same percentiles. */
import { expect, test } from "bun:test";
import { binLows } from "../../../src/store/postgres/stats-bins.ts";
import { openFreshDb } from "../../helpers/fresh-db.ts";

test("the bins' lower bounds equal the SQLite backend's stats_bins table, bin for bin", () => {
  const fresh = openFreshDb();
  try {
    const rows = fresh.db.query("SELECT lo FROM stats_bins ORDER BY bin").all() as { lo: number }[];
    expect(binLows()).toEqual(rows.map((r) => r.lo));
  } finally {
    fresh.cleanup();
  }
});
