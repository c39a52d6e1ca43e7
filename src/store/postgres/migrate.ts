/**
 * Numbered, forward-only migrations, applied by whichever process gets
 * there first: one transaction under an advisory lock, so a second process
 * starting at the same moment waits, then finds the schema current. A
 * database migrated by a newer hookgate is refused rather than guessed at.
 */
import type { SQL } from "bun";
import { StartupError } from "../../startup-error.ts";
import { LOCKS } from "./advisory-locks.ts";
import init from "./migrations/0001_init.sql" with { type: "text" };
import cluster from "./migrations/0002_cluster.sql" with { type: "text" };

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration this binary knows, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "init", sql: init },
  { version: 2, name: "cluster", sql: cluster },
];

/** Brings the schema up to date; returns the versions applied now (none: it was current). */
export async function migrate(sql: SQL, now: number, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCKS.namespace}, ${LOCKS.migrate})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`;
    const [row] = (await tx`SELECT coalesce(max(version), 0) AS v FROM schema_migrations`) as { v: number }[];
    const current = row?.v ?? 0;
    const latest = migrations.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new StartupError(
        `the PostgreSQL database is at schema version ${current}, newer than this hookgate knows (${latest}); ` +
          "run the hookgate version that migrated it (or a newer one) on every process",
      );
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${now})`;
      applied.push(m.version);
    }
    return applied;
  });
}
