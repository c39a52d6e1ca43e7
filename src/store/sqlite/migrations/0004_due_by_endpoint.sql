-- Per-endpoint due work. When one endpoint has a deep backlog and is at its
-- in-flight limit, the claim looks up the other endpoints' earliest due
-- deliveries one by one here instead of walking past the whole backlog in
-- the time-ordered index.
CREATE INDEX deliveries_due_by_endpoint ON deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
