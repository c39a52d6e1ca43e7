-- Stats (GET /v1/stats) from rollups instead of raw scans: a 7-day report
-- over a million attempts must not read a million rows and sort them.
--
-- stats_rollups holds one row per (bucket size, bucket start, endpoint,
-- tenant) at three sizes, 1 min, 15 min and 2 h (stats_levels), one for the
-- series of each window (1h, 24h, 7d). A report reads whole buckets from the
-- coarsest size that fits and only the ragged edges of its window from finer
-- sizes and the raw rows (src/store/stats.ts). Triggers keep the rollups in
-- the same transaction as the write they count, whichever code path makes
-- it (a recorded attempt, an attempt cut off by a crash, ingest's
-- endpoint_disabled attempts, a delivery finishing, a retry, a recover).
-- Test sends never enter them. Rollups are history: pruning events later
-- does not change them; they are pruned on their own (MaintenanceStore.pruneStats).
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
-- errors, latency and ttd are JSON objects of counts: by error class, and by
-- bin of attempt duration and of time to delivery.
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

-- A delivery counts once, in the bucket of its creation, under its status.
CREATE TRIGGER stats_delivery_created AFTER INSERT ON deliveries WHEN NEW.is_test = 0
BEGIN
  INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, pending, succeeded, failed)
    SELECT bucket_ms, NEW.created_at - NEW.created_at % bucket_ms, coalesce(NEW.endpoint_id, ''), NEW.tenant,
      NEW.status = 'pending', NEW.status = 'succeeded', NEW.status = 'failed'
    FROM stats_levels WHERE true
  ON CONFLICT DO UPDATE SET pending = pending + excluded.pending, succeeded = succeeded + excluded.succeeded,
    failed = failed + excluded.failed;
END;

-- ... and moves between statuses with it. A row pruned meanwhile stays gone.
CREATE TRIGGER stats_delivery_status AFTER UPDATE OF status ON deliveries
  WHEN NEW.is_test = 0 AND OLD.status <> NEW.status
BEGIN
  UPDATE stats_rollups SET
    pending = pending + (NEW.status = 'pending') - (OLD.status = 'pending'),
    succeeded = succeeded + (NEW.status = 'succeeded') - (OLD.status = 'succeeded'),
    failed = failed + (NEW.status = 'failed') - (OLD.status = 'failed')
  WHERE bucket_ms IN (SELECT bucket_ms FROM stats_levels)
    AND bucket_start = NEW.created_at - NEW.created_at % bucket_ms
    AND endpoint_key = coalesce(NEW.endpoint_id, '') AND tenant = NEW.tenant;
END;

-- An attempt counts in the bucket it started in. Its duration enters the
-- latency bins unless it sent no request (endpoint_disabled); a successful
-- one adds its time to delivery: the event's acceptance (the delivery's
-- created_at) to the end of the attempt. Each new row carries single-key
-- JSON objects, merged into an existing row key by key.
CREATE TRIGGER stats_attempt_recorded AFTER INSERT ON attempts WHEN NEW.is_test = 0
BEGIN
  INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, attempts, failures, errors, latency, ttd)
    SELECT l.bucket_ms, NEW.started_at - NEW.started_at % l.bucket_ms, coalesce(NEW.endpoint_id, ''), d.tenant,
      1, NEW.error IS NOT NULL,
      CASE WHEN NEW.error IS NULL THEN '{}' ELSE json_object(NEW.error, 1) END,
      CASE WHEN NEW.error IS 'endpoint_disabled' THEN '{}' ELSE json_object(CAST((SELECT bin FROM stats_bins
        WHERE lo <= max(NEW.duration_ms, 0) ORDER BY lo DESC LIMIT 1) AS TEXT), 1) END,
      CASE WHEN NEW.error IS NOT NULL THEN '{}' ELSE json_object(CAST((SELECT bin FROM stats_bins
        WHERE lo <= max(NEW.started_at + NEW.duration_ms - d.created_at, 0) ORDER BY lo DESC LIMIT 1) AS TEXT), 1) END
    FROM stats_levels l, deliveries d WHERE d.id = NEW.delivery_id
  ON CONFLICT DO UPDATE SET
    attempts = attempts + excluded.attempts,
    failures = failures + excluded.failures,
    errors = coalesce((SELECT json_set(errors, j.fullkey, coalesce(json_extract(errors, j.fullkey), 0) + j.value)
      FROM json_each(excluded.errors) j), errors),
    latency = coalesce((SELECT json_set(latency, j.fullkey, coalesce(json_extract(latency, j.fullkey), 0) + j.value)
      FROM json_each(excluded.latency) j), latency),
    ttd = coalesce((SELECT json_set(ttd, j.fullkey, coalesce(json_extract(ttd, j.fullkey), 0) + j.value)
      FROM json_each(excluded.ttd) j), ttd);
END;

-- Backfill from the data already stored, so the dashboard does not start
-- empty after an upgrade. Only the last 8 days (what the rollups keep),
-- measured from the newest row, since a migration has no clock of its own.
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, pending, succeeded, failed)
  SELECT l.bucket_ms, d.created_at - d.created_at % l.bucket_ms, coalesce(d.endpoint_id, ''), d.tenant,
    sum(d.status = 'pending'), sum(d.status = 'succeeded'), sum(d.status = 'failed')
  FROM stats_levels l, deliveries d INDEXED BY deliveries_by_created
  WHERE d.is_test = 0 AND d.created_at >= (SELECT max(created_at) FROM deliveries) - 8 * 86400000
  GROUP BY 1, 2, 3, 4;

-- Attempts one by one through the same merge as the trigger.
INSERT INTO stats_rollups (bucket_ms, bucket_start, endpoint_key, tenant, attempts, failures, errors, latency, ttd)
  SELECT l.bucket_ms, a.started_at - a.started_at % l.bucket_ms, coalesce(a.endpoint_id, ''), d.tenant,
    1, a.error IS NOT NULL,
    CASE WHEN a.error IS NULL THEN '{}' ELSE json_object(a.error, 1) END,
    CASE WHEN a.error IS 'endpoint_disabled' THEN '{}' ELSE json_object(CAST((SELECT bin FROM stats_bins
      WHERE lo <= max(a.duration_ms, 0) ORDER BY lo DESC LIMIT 1) AS TEXT), 1) END,
    CASE WHEN a.error IS NOT NULL THEN '{}' ELSE json_object(CAST((SELECT bin FROM stats_bins
      WHERE lo <= max(a.started_at + a.duration_ms - d.created_at, 0) ORDER BY lo DESC LIMIT 1) AS TEXT), 1) END
  FROM attempts a INDEXED BY attempts_by_started JOIN deliveries d ON d.id = a.delivery_id, stats_levels l
  WHERE a.is_test = 0 AND a.started_at >= (SELECT max(started_at) FROM attempts) - 8 * 86400000
ON CONFLICT DO UPDATE SET
  attempts = attempts + excluded.attempts,
  failures = failures + excluded.failures,
  errors = coalesce((SELECT json_set(errors, j.fullkey, coalesce(json_extract(errors, j.fullkey), 0) + j.value)
    FROM json_each(excluded.errors) j), errors),
  latency = coalesce((SELECT json_set(latency, j.fullkey, coalesce(json_extract(latency, j.fullkey), 0) + j.value)
    FROM json_each(excluded.latency) j), latency),
  ttd = coalesce((SELECT json_set(ttd, j.fullkey, coalesce(json_extract(ttd, j.fullkey), 0) + j.value)
    FROM json_each(excluded.ttd) j), ttd);
