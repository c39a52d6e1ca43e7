/**
 * The dispatcher runs these queries after every finished attempt; each must
 * stay an index range or seek, never a scan of every pending delivery plus a
 * sort (what the planner chose before INDEXED BY, at 12–50 ms per claim with
 * 50k pending). Without statistics the plan does not depend on the rows, so an empty database shows it.
 */
import { afterEach, expect, test } from "bun:test";
import { DISPATCH_QUERIES } from "../../../src/store/sqlite/due-deliveries.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";

let fresh: FreshDb;
afterEach(() => fresh.cleanup());

test.each(Object.entries(DISPATCH_QUERIES))("%s uses a due index and no temporary sort", (_name, sql) => {
  fresh = openFreshDb();
  const plan = fresh.db
    .query(`EXPLAIN QUERY PLAN ${sql}`)
    .all()
    .map((r) => (r as { detail: string }).detail)
    .join("\n");
  expect(plan).toMatch(/deliveries_(due(_by_endpoint)?|leased)\b/);
  expect(plan).not.toContain("deliveries_by_status");
  expect(plan).not.toContain("TEMP B-TREE");
  expect(plan).not.toMatch(/SCAN d\b|SCAN deliveries\b/);
});
