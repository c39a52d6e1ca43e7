-- What the processes on one database share besides the outbox: which
-- periodic job runs were claimed (maintenance.claimJobRun), console sessions
-- (keyed by a SHA-256 of the cookie) and failed logins (webSessions).
CREATE TABLE job_runs (
  job          text NOT NULL,
  scheduled_at bigint NOT NULL,
  claimed_at   bigint NOT NULL,
  PRIMARY KEY (job, scheduled_at)
);

CREATE TABLE web_sessions (
  key          text PRIMARY KEY,
  csrf_token   text NOT NULL,
  created_at   bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  flash        text
);
CREATE INDEX web_sessions_by_seen ON web_sessions (last_seen_at);

CREATE TABLE login_failures (at bigint NOT NULL);
CREATE INDEX login_failures_by_time ON login_failures (at);
