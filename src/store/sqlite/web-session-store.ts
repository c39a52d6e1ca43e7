/** The console-sessions facet of the SQLite backend. */
import type { WebSessionRecord, WebSessionStore } from "../contract.ts";
import type { SqliteParts } from "./parts.ts";

/** Failed logins are counted over a minute; a day of them is more than any limit reads. */
const LOGIN_FAILURE_MEMORY_MS = 24 * 3_600_000;

interface SessionRow {
  key: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  flash: string | null;
}

const fromRow = (r: SessionRow): WebSessionRecord => ({ key: r.key, csrfToken: r.csrf_token, createdAt: r.created_at, lastSeenAt: r.last_seen_at, flash: r.flash });

export function createWebSessionStore(parts: SqliteParts): WebSessionStore {
  const { db, writes } = parts;
  const insert = db.query(`INSERT INTO web_sessions (key, csrf_token, created_at, last_seen_at, flash)
    VALUES ($key, $csrf_token, $created_at, $last_seen_at, $flash)`);
  const trim = db.query(`DELETE FROM web_sessions WHERE key IN
    (SELECT key FROM web_sessions ORDER BY last_seen_at DESC LIMIT -1 OFFSET $keep)`);
  const get = db.query<SessionRow, [string]>("SELECT * FROM web_sessions WHERE key = ?");
  const remove = db.query("DELETE FROM web_sessions WHERE key = ?");
  const seen = db.query("UPDATE web_sessions SET last_seen_at = $at WHERE key = $key");
  const setFlash = db.query("UPDATE web_sessions SET flash = $flash WHERE key = $key");
  const failed = db.query("INSERT INTO login_failures (at) VALUES (?)");
  const forgetFailures = db.query("DELETE FROM login_failures WHERE at < ?");
  const failures = db.query<{ at: number }, [number]>("SELECT at FROM login_failures WHERE at >= ? ORDER BY at");
  return {
    create({ session, keep }) {
      return writes.run(() => {
        insert.run({ key: session.key, csrf_token: session.csrfToken, created_at: session.createdAt, last_seen_at: session.lastSeenAt, flash: session.flash });
        trim.run({ keep });
      });
    },
    async find({ key, seenSince }) {
      const row = get.get(key);
      if (!row) return null;
      if (row.last_seen_at >= seenSince) return fromRow(row);
      await writes.run(() => remove.run(key));
      return null;
    },
    async seen({ key, at }) {
      await writes.run(() => seen.run({ key, at }));
    },
    async setFlash({ key, flash }) {
      await writes.run(() => setFlash.run({ key, flash }));
    },
    takeFlash({ key }) {
      // Read and cleared in one transaction: the flash is shown once.
      return writes.run(() => {
        const flash = get.get(key)?.flash ?? null;
        if (flash !== null) setFlash.run({ key, flash: null });
        return flash;
      });
    },
    async remove({ key }) {
      await writes.run(() => remove.run(key));
    },
    async loginFailed({ at }) {
      await writes.run(() => {
        forgetFailures.run(at - LOGIN_FAILURE_MEMORY_MS);
        failed.run(at);
      });
    },
    async loginFailures({ since }) {
      return failures.all(since).map((r) => r.at);
    },
  };
}
