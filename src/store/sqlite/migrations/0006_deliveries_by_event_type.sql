-- The delivery log filtered by event type (GET /v1/deliveries?event_type=,
-- the console's filter): newest first by id within one type. Without it a
-- rare type walks the whole log backwards to fill one page.
CREATE INDEX deliveries_by_event_type ON deliveries (event_type, id);
