/** The console-sessions facet of the PostgreSQL backend: shared by every process on the database. */
import type { WebSessionRecord, WebSessionStore } from "../contract.ts";
import type { PgClient } from "./pg-client.ts";

/** Failed logins are counted over a minute; a day of them is more than any limit reads. */
const LOGIN_FAILURE_MEMORY_MS = 24 * 3_600_000;

interface SessionRow {
  key: string;
  csrf_token: string;
  created_at: string | number;
  last_seen_at: string | number;
  flash: string | null;
}

const fromRow = (r: SessionRow): WebSessionRecord => ({
  key: r.key,
  csrfToken: r.csrf_token,
  createdAt: Number(r.created_at),
  lastSeenAt: Number(r.last_seen_at),
  flash: r.flash,
});

export function createWebSessionStore(db: PgClient): WebSessionStore {
  return {
    create({ session, keep }) {
      return db.tx(async (tx) => {
        await tx`INSERT INTO web_sessions (key, csrf_token, created_at, last_seen_at, flash)
          VALUES (${session.key}, ${session.csrfToken}, ${session.createdAt}, ${session.lastSeenAt}, ${session.flash})`;
        await tx`DELETE FROM web_sessions WHERE key IN (SELECT key FROM web_sessions ORDER BY last_seen_at DESC OFFSET ${keep})`;
      });
    },
    find({ key, seenSince }) {
      return db.run(async (sql) => {
        const [row] = (await sql`SELECT * FROM web_sessions WHERE key = ${key}`) as SessionRow[];
        if (!row) return null;
        if (Number(row.last_seen_at) >= seenSince) return fromRow(row);
        await sql`DELETE FROM web_sessions WHERE key = ${key} AND last_seen_at < ${seenSince}`;
        return null;
      });
    },
    async seen({ key, at }) {
      await db.run((sql) => sql`UPDATE web_sessions SET last_seen_at = greatest(last_seen_at, ${at}) WHERE key = ${key}`);
    },
    async setFlash({ key, flash }) {
      await db.run((sql) => sql`UPDATE web_sessions SET flash = ${flash} WHERE key = ${key}`);
    },
    takeFlash({ key }) {
      // The row lock makes two requests at once take it once between them.
      return db.tx(async (tx) => {
        const [row] = (await tx`SELECT flash FROM web_sessions WHERE key = ${key} FOR UPDATE`) as { flash: string | null }[];
        if (!row || row.flash === null) return null;
        await tx`UPDATE web_sessions SET flash = NULL WHERE key = ${key}`;
        return row.flash;
      });
    },
    async remove({ key }) {
      await db.run((sql) => sql`DELETE FROM web_sessions WHERE key = ${key}`);
    },
    async loginFailed({ at }) {
      await db.tx(async (tx) => {
        await tx`DELETE FROM login_failures WHERE at < ${at - LOGIN_FAILURE_MEMORY_MS}`;
        await tx`INSERT INTO login_failures (at) VALUES (${at})`;
      });
    },
    loginFailures({ since }) {
      return db.run(async (sql) => ((await sql`SELECT at FROM login_failures WHERE at >= ${since} ORDER BY at`) as { at: string | number }[]).map((r) => Number(r.at)));
    },
  };
}
