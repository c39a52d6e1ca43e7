-- hookgate schema, version 1. Times are integer epoch milliseconds; ids are
-- prefixed and sort by creation time, so "ORDER BY id" is creation order.

CREATE TABLE endpoints (
  id                   TEXT PRIMARY KEY,
  tenant               TEXT NOT NULL,
  url                  TEXT NOT NULL,
  description          TEXT NOT NULL DEFAULT '',
  event_types          TEXT NOT NULL,            -- JSON array of names and patterns
  headers              TEXT NOT NULL,            -- JSON object of extra request headers
  metadata             TEXT NOT NULL,            -- JSON object, free for the user
  state                TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),
  disabled_reason      TEXT CHECK (disabled_reason IN ('manual', 'auto_failing', 'gone')),
  failing_since        INTEGER,
  last_success_at      INTEGER,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX endpoints_by_tenant ON endpoints (tenant, id);

-- The current secret has expires_at NULL; rotated-out ones keep signing
-- until expires_at.
CREATE TABLE endpoint_secrets (
  seq         INTEGER PRIMARY KEY,
  endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  secret      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER
) STRICT;
CREATE INDEX endpoint_secrets_by_endpoint ON endpoint_secrets (endpoint_id, seq);

CREATE TABLE events (
  id           TEXT PRIMARY KEY,
  tenant       TEXT NOT NULL,
  type         TEXT NOT NULL,
  payload      TEXT NOT NULL,                    -- the exact JSON body that is signed and sent
  occurred_at  INTEGER NOT NULL,                 -- the event's own timestamp
  callback_url TEXT,
  is_test      INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX events_by_tenant ON events (tenant, id);

-- endpoint_id has no foreign key: the delivery log outlives a deleted endpoint.
CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,
  event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  tenant          TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  endpoint_id     TEXT,                          -- NULL for a one-off callback_url
  url             TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count   INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                       -- NULL unless pending
  lease_until     INTEGER,                       -- set while a dispatcher holds it
  last_error      TEXT,
  is_test         INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
-- The dispatcher's hot query: due pending work, earliest first.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_event ON deliveries (event_id);
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_status ON deliveries (status, id);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant, id);

CREATE TABLE attempts (
  id                 TEXT PRIMARY KEY,
  delivery_id        TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  endpoint_id        TEXT,
  n                  INTEGER NOT NULL,
  started_at         INTEGER NOT NULL,
  duration_ms        INTEGER NOT NULL,
  status_code        INTEGER,
  error              TEXT,
  request_headers    TEXT NOT NULL,              -- JSON object
  response_headers   TEXT,                       -- JSON object
  response_body      BLOB,                       -- raw bytes, cut at response_body_limit
  response_truncated INTEGER NOT NULL DEFAULT 0 CHECK (response_truncated IN (0, 1)),
  next_attempt_at    INTEGER,                    -- the decision taken: next try, or NULL when final
  is_test            INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1))
) STRICT;
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, n);
CREATE INDEX attempts_by_started ON attempts (started_at);

CREATE TABLE idempotency_keys (
  tenant       TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  response     TEXT NOT NULL,                    -- JSON of the first answer
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (tenant, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
