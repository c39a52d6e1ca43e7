-- Stats (GET /v1/stats) from rollups instead of raw scans: a 7-day report
-- over a million attempts must not read a million rows and sort them.
--
-- stats_rollups holds one row per (bucket size, bucket start, endpoint,
-- tenant) at three sizes, 1 min, 15 min and 2 h (stats_levels), one for the
-- series of each window (1h, 24h, 7d). A report reads whole buckets from the
-- coarsest size that fits and only the ragged edges of its window from finer
-- sizes and the raw rows (src/store/stats.ts).
--
-- Writes count in two steps. The store's deliveries and attempts modules add
-- each delivery, status change and attempt to per-minute rows (stats_live,
-- stats_live_counts: a few single-row upserts) in the same transaction as
-- the row they count, whichever code path makes it (src/store/stats-counter.ts);
-- the fold-stats job moves those into the rollups of every size
-- (StatsTable.fold, the same statements as the backfill below). A report adds
-- the rows not folded yet, so it is exact whenever it runs. Not triggers: a
-- statement that fires one opens a statement journal, which spills to a temp
-- file and cost 3-4 times the counting itself (45 µs per delivery insert).
-- Test sends never count. Rollups are history: pruning events later does not
-- change them; they are pruned on their own (MaintenanceStore.pruneStats).
--
-- Latencies are counted in fixed log-scale bins (stats_bins): exact up to
-- 11 ms, then each bin 9% wider than the one before, so a percentile read
-- from a bin is within 5% of the true value (src/store/stats-histogram.ts).

CREATE TABLE stats_levels (bucket_ms INTEGER PRIMARY KEY) STRICT;
INSERT INTO stats_levels (bucket_ms) VALUES (60000), (900000), (7200000);

-- Bin `bin` holds the integer milliseconds from `lo` up to the next bin's lo
-- minus one; the last bin (about a year and up) is open-ended. Integer
-- arithmetic, so every SQLite build computes the same bounds.
CREATE TABLE stats_bins (lo INTEGER PRIMARY KEY, bin INTEGER NOT NULL UNIQUE) STRICT;
INSERT INTO stats_bins (lo, bin)
  WITH RECURSIVE b(bin, lo) AS (
    SELECT 0, 0
    UNION ALL
    SELECT bin + 1, max(lo + 1, (lo * 109 + 99) / 100) FROM b WHERE lo < 31536000000)
  SELECT lo, bin FROM b;

-- endpoint_key is '' for one-off callback_url deliveries (a primary key
-- column holding NULL would never conflict, so upserts would not merge).
-- errors, latency and ttd are JSON objects of counts ({"key":n,...}): by
-- error class, and by bin of attempt duration and of time to delivery.
CREATE TABLE stats_rollups (
  bucket_ms    INTEGER NOT NULL,
  bucket_start INTEGER NOT NULL,
  endpoint_key TEXT NOT NULL,
  tenant       TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  failures     INTEGER NOT NULL DEFAULT 0,
  errors       TEXT NOT NULL DEFAULT '{}',
  latency      TEXT NOT NULL DEFAULT '{}',
  ttd          TEXT NOT NULL DEFAULT '{}',
  -- Deliveries created in the bucket, by their status now.
  pending      INTEGER NOT NULL DEFAULT 0,
  succeeded    INTEGER NOT NULL DEFAULT 0,
  failed       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_ms, bucket_start, endpoint_key, tenant)
) STRICT, WITHOUT ROWID;

-- The ragged edges of a window are read from the raw rows by time.
CREATE INDEX deliveries_by_created ON deliveries (created_at);
-- The backlog: how many deliveries are pending and since when, test sends
-- left out, without reading a million rows.
CREATE INDEX deliveries_pending_by_created ON deliveries (created_at) WHERE status = 'pending' AND is_test = 0;

-- What the write paths counted since the last fold, per minute: deltas
-- (a status change subtracts from one status and adds to another), added to
-- the rollups by the fold. A minute may come back after its fold (a late
-- attempt, a retry of an old delivery); its new deltas fold in the same way.
CREATE TABLE stats_live (
  bucket_start INTEGER NOT NULL,
  endpoint_key TEXT NOT NULL,
  tenant       TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  failures     INTEGER NOT NULL DEFAULT 0,
  pending      INTEGER NOT NULL DEFAULT 0,
  succeeded    INTEGER NOT NULL DEFAULT 0,
  failed       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_start, endpoint_key, tenant)
) STRICT, WITHOUT ROWID;
-- The histograms' entries one row each, so counting one is an integer
-- upsert: measure names the rollup column, key the error class or the bin.
CREATE TABLE stats_live_counts (
  bucket_start INTEGER NOT NULL,
  endpoint_key TEXT NOT NULL,
  tenant       TEXT NOT NULL,
  measure      TEXT NOT NULL CHECK (measure IN ('errors', 'latency', 'ttd')),
  key          TEXT NOT NULL,
  n            INTEGER NOT NULL,
  PRIMARY KEY (bucket_start, endpoint_key, tenant, measure, key)
) STRICT, WITHOUT ROWID;

-- Backfill from the data already stored, so the dashboard does not start
-- empty after an upgrade: counted per minute as the write paths count, then
-- folded. Only the last 8 days (what the rollups keep), measured from the
-- newest row, since a migration has no clock of its own.
INSERT INTO stats_live (bucket_start, endpoint_key, tenant, pending, succeeded, failed)
  SELECT d.created_at - d.created_at % 60000, coalesce(d.endpoint_id, ''), d.tenant,
    sum(d.status = 'pending'), sum(d.status = 'succeeded'), sum(d.status = 'failed')
  FROM deliveries d INDEXED BY deliveries_by_created
  WHERE d.is_test = 0 AND d.created_at >= (SELECT max(created_at) FROM deliveries) - 8 * 86400000
  GROUP BY 1, 2, 3;

-- An attempt counts in the minute it started. Its duration enters the
-- latency bins unless it sent no request (endpoint_disabled); a successful
-- one adds its time to delivery: the event's acceptance (the delivery's
-- created_at) to the end of the attempt.
CREATE TEMP TABLE backfill_attempts AS
  SELECT a.started_at - a.started_at % 60000 AS bucket_start, coalesce(a.endpoint_id, '') AS endpoint_key, d.tenant, a.error,
    CASE WHEN a.error IS NOT 'endpoint_disabled' THEN (SELECT bin FROM stats_bins
      WHERE lo <= max(a.duration_ms, 0) ORDER BY lo DESC LIMIT 1) END AS latency,
    CASE WHEN a.error IS NULL THEN (SELECT bin FROM stats_bins
      WHERE lo <= max(a.started_at + a.duration_ms - d.created_at, 0) ORDER BY lo DESC LIMIT 1) END AS ttd
  FROM attempts a INDEXED BY attempts_by_started JOIN deliveries d ON d.id = a.delivery_id
  WHERE a.is_test = 0 AND a.started_at >= (SELECT max(started_at) FROM attempts) - 8 * 86400000;
INSERT INTO stats_live (bucket_start, endpoint_key, tenant, attempts, failures)
  SELECT bucket_start, endpoint_key, tenant, count(*), count(error) FROM temp.backfill_attempts WHERE true GROUP BY 1, 2, 3
ON CONFLICT DO UPDATE SET attempts = excluded.attempts, failures = excluded.failures;
INSERT INTO stats_live_counts (bucket_start, endpoint_key, tenant, measure, key, n)
  SELECT bucket_start, endpoint_key, tenant, m.column1,
    CAST(CASE m.column1 WHEN 'errors' THEN error WHEN 'latency' THEN latency ELSE ttd END AS TEXT) AS k, count(*)
  FROM temp.backfill_attempts, (VALUES ('errors'), ('latency'), ('ttd')) m
  WHERE k IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
DROP TABLE temp.backfill_attempts;

-- The fold, as StatsTable.fold runs it: each minute row into the bucket of
-- every size holding it, histograms merged key by key.
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, attempts, failures, pending, succeeded, failed)
  SELECT l.bucket_ms, s.bucket_start - s.bucket_start % l.bucket_ms, s.endpoint_key, s.tenant,
    sum(s.attempts), sum(s.failures), sum(s.pending), sum(s.succeeded), sum(s.failed)
  FROM stats_levels l, stats_live s WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts, failures = failures + excluded.failures,
  pending = pending + excluded.pending, succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed;
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, errors)
  SELECT bucket_ms, bucket_start, endpoint_key, tenant, json_group_object(key, n) FROM (
    SELECT l.bucket_ms, c.bucket_start - c.bucket_start % l.bucket_ms AS bucket_start, c.endpoint_key, c.tenant, c.key, sum(c.n) AS n
    FROM stats_levels l, stats_live_counts c WHERE c.measure = 'errors' GROUP BY 1, 2, 3, 4, 5)
  WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET errors = (SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM (
  SELECT key, value FROM json_each(errors) UNION ALL SELECT key, value FROM json_each(excluded.errors)) GROUP BY key));
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, latency)
  SELECT bucket_ms, bucket_start, endpoint_key, tenant, json_group_object(key, n) FROM (
    SELECT l.bucket_ms, c.bucket_start - c.bucket_start % l.bucket_ms AS bucket_start, c.endpoint_key, c.tenant, c.key, sum(c.n) AS n
    FROM stats_levels l, stats_live_counts c WHERE c.measure = 'latency' GROUP BY 1, 2, 3, 4, 5)
  WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET latency = (SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM (
  SELECT key, value FROM json_each(latency) UNION ALL SELECT key, value FROM json_each(excluded.latency)) GROUP BY key));
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, ttd)
  SELECT bucket_ms, bucket_start, endpoint_key, tenant, json_group_object(key, n) FROM (
    SELECT l.bucket_ms, c.bucket_start - c.bucket_start % l.bucket_ms AS bucket_start, c.endpoint_key, c.tenant, c.key, sum(c.n) AS n
    FROM stats_levels l, stats_live_counts c WHERE c.measure = 'ttd' GROUP BY 1, 2, 3, 4, 5)
  WHERE true GROUP BY 1, 2, 3, 4
ON CONFLICT DO UPDATE SET ttd = (SELECT json_group_object(key, n) FROM (SELECT key, sum(value) AS n FROM (
  SELECT key, value FROM json_each(ttd) UNION ALL SELECT key, value FROM json_each(excluded.ttd)) GROUP BY key));
DELETE FROM stats_live;
DELETE FROM stats_live_counts;
