/**
 * Work made due on one process wakes the dispatchers of all of them: a
 * NOTIFY on one channel inside the transaction that made it due (delivered
 * on commit, dropped on rollback), and a LISTEN on each process. Bun keeps
 * the listening connection up by itself once it is established; the first
 * LISTEN is retried here until the database answers.
 */
import type { SQL } from "bun";
import type { PgClient, Tx } from "./pg-client.ts";

const DUE_CHANNEL = "hookgate_due";
/** Between tries of a LISTEN that failed (the database unreachable at start). */
const LISTEN_RETRY_MS = 5000;

/** Announces due work; within a transaction it goes out at commit. */
export async function announceDue(sql: SQL | Tx): Promise<void> {
  await sql`SELECT pg_notify(${DUE_CHANNEL}, '')`;
}

/** Calls `listener` on every announcement (this process's own included, which only makes one look more). */
export function listenForDue(db: PgClient, listener: () => void, onFailure: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let subscription: { unlisten(): Promise<void> } | null = null;
  const subscribe = () => {
    if (stopped || db.isClosed) return;
    db.sql.listen(DUE_CHANNEL, () => listener()).then(
      (s) => {
        if (stopped) void s.unlisten().catch(onFailure);
        else subscription = s;
      },
      (err: unknown) => {
        onFailure(err);
        timer = setTimeout(subscribe, LISTEN_RETRY_MS);
        timer.unref();
      },
    );
  };
  subscribe();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    void subscription?.unlisten().catch(onFailure);
  };
}
