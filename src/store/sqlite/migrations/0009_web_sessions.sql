-- Console sessions and failed logins (store contract: webSessions). In the
-- database rather than in memory, as on PostgreSQL where every process must
-- honour a login made through another; with SQLite it also means a restart
-- no longer logs everybody out. `key` is a hash of the cookie, not the cookie.
CREATE TABLE web_sessions (
  key TEXT PRIMARY KEY,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  flash TEXT
) STRICT, WITHOUT ROWID;
CREATE INDEX web_sessions_by_seen ON web_sessions (last_seen_at);
CREATE TABLE login_failures (at INTEGER NOT NULL) STRICT;
CREATE INDEX login_failures_by_time ON login_failures (at);
