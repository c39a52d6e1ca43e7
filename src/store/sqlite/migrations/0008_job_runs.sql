-- Which periodic job runs were claimed (maintenance.claimJobRun): one row per
-- job and scheduled time, so a run is made once even if several callers ask.
-- With SQLite one process asks; the table keeps the contract the same as on
-- PostgreSQL, where every process asks. Rows older than a day are deleted.
CREATE TABLE job_runs (
  job TEXT NOT NULL,
  scheduled_at INTEGER NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (job, scheduled_at)
) STRICT, WITHOUT ROWID;
