/**
 * The stats queries must stay index ranges whatever the data: a report over
 * a million attempts reads rollups and the raw rows at the window's ends,
 * the backlog counts from a partial index. Without statistics the plan does
 * not depend on the rows, so an empty database shows it.
 */
import { afterEach, expect, test } from "bun:test";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";

let fresh: FreshDb;
afterEach(() => fresh.cleanup());

const plan = (sql: string) =>
  (fresh.db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("\n");

test.each([
  ["rollups", "SELECT * FROM stats_rollups WHERE bucket_ms = 60000 AND bucket_start >= 1 AND bucket_start < 2 AND (NULL IS NULL OR tenant = NULL)", /SEARCH stats_rollups USING PRIMARY KEY \(bucket_ms=\? AND bucket_start>\? AND bucket_start<\?\)/],
  ["unfolded minute rows", "SELECT * FROM stats_live WHERE bucket_start >= 1 AND bucket_start < 2 AND (NULL IS NULL OR tenant = NULL)", /SEARCH stats_live USING PRIMARY KEY \(bucket_start>\? AND bucket_start<\?\)/],
  ["unfolded histogram entries", "SELECT * FROM stats_live_counts WHERE bucket_start >= 1 AND bucket_start < 2 AND (NULL IS NULL OR tenant = NULL)", /SEARCH stats_live_counts USING PRIMARY KEY \(bucket_start>\? AND bucket_start<\?\)/],
  ["raw attempts", `SELECT a.endpoint_id, d.created_at FROM attempts a INDEXED BY attempts_by_started JOIN deliveries d ON d.id = a.delivery_id
    WHERE a.started_at >= 1 AND a.started_at < 2 AND a.is_test = 0`, /SEARCH a USING INDEX attempts_by_started \(started_at>\? AND started_at<\?\)[\s\S]*SEARCH d USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)/],
  ["raw deliveries", "SELECT endpoint_id, status, count(*) FROM deliveries INDEXED BY deliveries_by_created WHERE created_at >= 1 AND created_at < 2 AND is_test = 0 GROUP BY endpoint_id, status", /SEARCH deliveries USING INDEX deliveries_by_created \(created_at>\? AND created_at<\?\)/],
  ["pending count", "SELECT count(*) FROM deliveries INDEXED BY deliveries_pending_by_created WHERE status = 'pending' AND is_test = 0", /SCAN deliveries USING COVERING INDEX deliveries_pending_by_created/],
  ["oldest pending", "SELECT created_at FROM deliveries INDEXED BY deliveries_pending_by_created WHERE status = 'pending' AND is_test = 0 ORDER BY created_at LIMIT 1", /SCAN deliveries USING COVERING INDEX deliveries_pending_by_created/],
])("%s: an index range, no table scan", (_name, sql, expected) => {
  fresh = openFreshDb();
  const p = plan(sql);
  expect(p).toMatch(expected);
  expect(p).not.toMatch(/SCAN (d|a|stats_rollups|stats_live|stats_live_counts|attempts)\b(?! USING)/);
});
