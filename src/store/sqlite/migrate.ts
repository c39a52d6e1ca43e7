/**
 * Numbered, forward-only migrations. Each runs in its own transaction with
 * the row that records it, so a crash leaves the schema at a known version.
 * A database migrated by a newer hookgate is refused rather than guessed at.
 */
import type { Database } from "bun:sqlite";
import { StartupError } from "../../startup-error.ts";
import init from "./migrations/0001_init.sql" with { type: "text" };
import dispatchIndexes from "./migrations/0002_dispatch_indexes.sql" with { type: "text" };
import leaseStart from "./migrations/0003_lease_start.sql" with { type: "text" };
import dueByEndpoint from "./migrations/0004_due_by_endpoint.sql" with { type: "text" };
import statsRollups from "./migrations/0005_stats_rollups.sql" with { type: "text" };
import deliveriesByEventType from "./migrations/0006_deliveries_by_event_type.sql" with { type: "text" };
import leaseOwner from "./migrations/0007_lease_owner.sql" with { type: "text" };
import jobRuns from "./migrations/0008_job_runs.sql" with { type: "text" };
import webSessions from "./migrations/0009_web_sessions.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration this binary knows, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "init", sql: init },
  { version: 2, name: "dispatch_indexes", sql: dispatchIndexes },
  { version: 3, name: "lease_start", sql: leaseStart },
  { version: 4, name: "due_by_endpoint", sql: dueByEndpoint },
  { version: 5, name: "stats_rollups", sql: statsRollups },
  { version: 6, name: "deliveries_by_event_type", sql: deliveriesByEventType },
  { version: 7, name: "lease_owner", sql: leaseOwner },
  { version: 8, name: "job_runs", sql: jobRuns },
  { version: 9, name: "web_sessions", sql: webSessions },
];

/** Brings the schema up to date; returns the versions applied now. */
export function migrate(db: Database, now: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.run(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StartupError(
      `the database is at schema version ${current}, newer than this hookgate knows (${latest}); ` +
        "run the hookgate version that created it, or restore a backup",
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.run(m.sql);
      db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, now);
    })();
    applied.push(m.version);
  }
  return applied;
}

/** The highest migration recorded in the database, 0 for a new one. */
export function schemaVersion(db: Database): number {
  const row = db.query("SELECT max(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}
