-- hookgate schema on PostgreSQL, version 1. Times are epoch milliseconds
-- (bigint); ids are prefixed and sort by creation time, so "ORDER BY id" is
-- creation order: ids are COLLATE "C" (byte order, as in SQLite), whatever
-- the database's collation, which could otherwise order or compare them by
-- language rules. JSON is kept as text, byte for byte as written, like the
-- SQLite backend does.

CREATE TABLE endpoints (
  id                   text COLLATE "C" PRIMARY KEY,
  tenant               text NOT NULL,
  url                  text NOT NULL,
  description          text NOT NULL DEFAULT '',
  event_types          text NOT NULL,            -- JSON array of names and patterns
  headers              text NOT NULL,            -- JSON object of extra request headers
  metadata             text NOT NULL,            -- JSON object, free for the user
  state                text NOT NULL CHECK (state IN ('enabled', 'disabled')),
  disabled_reason      text CHECK (disabled_reason IN ('manual', 'auto_failing', 'gone')),
  failing_since        bigint,
  last_success_at      bigint,
  consecutive_failures integer NOT NULL DEFAULT 0,
  created_at           bigint NOT NULL,
  updated_at           bigint NOT NULL
);
CREATE INDEX endpoints_by_tenant ON endpoints (tenant, id);
-- The auto-disable sweep and the backlog's failing list.
CREATE INDEX endpoints_failing ON endpoints (failing_since, id) WHERE failing_since IS NOT NULL;

-- The current secret has expires_at NULL; rotated-out ones keep signing
-- until expires_at.
CREATE TABLE endpoint_secrets (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  secret      text NOT NULL,
  created_at  bigint NOT NULL,
  expires_at  bigint
);
CREATE INDEX endpoint_secrets_by_endpoint ON endpoint_secrets (endpoint_id, seq);

CREATE TABLE events (
  id           text COLLATE "C" PRIMARY KEY,
  tenant       text NOT NULL,
  type         text NOT NULL,
  payload      text NOT NULL,                    -- the exact JSON body that is signed and sent
  occurred_at  bigint NOT NULL,
  callback_url text,
  is_test      boolean NOT NULL DEFAULT false,
  created_at   bigint NOT NULL
);
-- Pruning walks the oldest events first.
CREATE INDEX events_by_created ON events (created_at);

-- endpoint_id has no foreign key: the delivery log outlives a deleted endpoint.
CREATE TABLE deliveries (
  id              text COLLATE "C" PRIMARY KEY,
  event_id        text COLLATE "C" NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  tenant          text NOT NULL,
  event_type      text NOT NULL,
  endpoint_id     text COLLATE "C",              -- NULL for a one-off callback_url
  url             text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count   integer NOT NULL DEFAULT 0,
  next_attempt_at bigint,                        -- NULL unless pending
  lease_owner     text,                          -- the node id holding the lease
  lease_until     bigint,                        -- anyone may take it from then on
  leased_at       bigint,                        -- the start of the attempt it covers
  last_error      text,
  schedule_start  integer NOT NULL DEFAULT 0,
  is_test         boolean NOT NULL DEFAULT false,
  created_at      bigint NOT NULL,
  updated_at      bigint NOT NULL
);
-- The claim's hot query: due pending work, earliest first, ties by id.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
-- Per-endpoint due work: when one endpoint is out of room, the claim seeks
-- each other endpoint's earliest due deliveries here instead of walking past
-- that endpoint's backlog (src/store/postgres/due-deliveries.ts).
CREATE INDEX deliveries_due_by_endpoint ON deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
-- Live and dead leases: at most as many rows as there are slots in the cluster.
CREATE INDEX deliveries_leased ON deliveries (lease_until, endpoint_id) WHERE status = 'pending' AND lease_until IS NOT NULL;
CREATE INDEX deliveries_by_event ON deliveries (event_id);
-- The delivery log's filters, newest first; by endpoint also removing and recovering one.
CREATE INDEX deliveries_by_endpoint ON deliveries (endpoint_id, id);
CREATE INDEX deliveries_by_status ON deliveries (status, id);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant, id);
CREATE INDEX deliveries_by_event_type ON deliveries (event_type, id);
-- Stats: deliveries created in a window, and the backlog without test sends.
CREATE INDEX deliveries_by_created ON deliveries (created_at);
CREATE INDEX deliveries_pending_by_created ON deliveries (created_at) WHERE status = 'pending' AND NOT is_test;

-- tenant, latency_bin and ttd_bin are written with the attempt so that a
-- stats report is one indexed range scan of this table, grouped in SQL,
-- without a join and without a counter row every process would update:
-- the bins are stats-histogram.ts's (NULL: not measured, or a test send).
CREATE TABLE attempts (
  id                 text COLLATE "C" PRIMARY KEY,
  delivery_id        text COLLATE "C" NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  endpoint_id        text COLLATE "C",
  tenant             text NOT NULL,
  n                  integer NOT NULL,
  started_at         bigint NOT NULL,
  duration_ms        bigint NOT NULL,
  status_code        integer,
  error              text,
  request_headers    text NOT NULL,              -- JSON object
  response_headers   text,                       -- JSON object
  response_body      bytea,                      -- raw bytes, cut at response_body_limit
  response_truncated boolean NOT NULL DEFAULT false,
  next_attempt_at    bigint,                     -- the decision taken: next try, or NULL when final
  is_test            boolean NOT NULL DEFAULT false,
  latency_bin        integer,
  ttd_bin            integer
);
CREATE INDEX attempts_by_delivery ON attempts (delivery_id, n);
CREATE INDEX attempts_by_started ON attempts (started_at) WHERE NOT is_test;

-- The unique key makes concurrent commits of one key, from any process,
-- make one event: the second insert waits for the first and then conflicts.
CREATE TABLE idempotency_keys (
  tenant       text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  response     text NOT NULL,                    -- JSON of the first answer
  created_at   bigint NOT NULL,
  PRIMARY KEY (tenant, key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
