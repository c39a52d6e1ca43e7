-- The dispatcher's claim skips endpoints that are already at their in-flight
-- limit; with endpoint_id in the due index it does so without reading rows.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, endpoint_id) WHERE status = 'pending';

-- Start-up takes over the leases a killed process left behind.
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE lease_until IS NOT NULL;

-- A manual retry or recover starts the retry schedule afresh: the schedule
-- counts the attempts made since then, while attempt numbers keep growing.
ALTER TABLE deliveries ADD COLUMN schedule_start INTEGER NOT NULL DEFAULT 0;
