/**
 * The pool every facet shares, and the two ways to use it: one statement
 * (run) or one transaction (tx). Both reject with StoreUnavailableError
 * when the database cannot be reached or the store is closed, never with a
 * synchronous throw; a transaction that hit a deadlock or a serialization
 * failure is run again, since it changed nothing.
 */
import { SQL, type TransactionSQL } from "bun";
import { StoreUnavailableError } from "../errors.ts";
import { asStoreError, isRetryable, isUnavailable } from "./unavailable.ts";

/** How often a transaction is tried when PostgreSQL aborted it as a deadlock victim. */
const TX_TRIES = 5;
/** Seconds to wait for a connection: an unreachable database answers 503 well before a client gives up. */
const CONNECT_TIMEOUT_S = 5;

export type Tx = TransactionSQL;

export class PgClient {
  readonly sql: SQL;
  private closed = false;

  constructor(url: string, poolSize: number) {
    this.sql = new SQL(url, { max: poolSize, connectionTimeout: CONNECT_TIMEOUT_S, idleTimeout: 60 });
  }

  /** True after close(): nothing more may start (due-signal.ts stops retrying its LISTEN). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** One statement (or a few that need no transaction) on any pooled connection. */
  async run<T>(op: (sql: SQL) => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await op(this.sql);
    } catch (err) {
      throw this.mapped(err);
    }
  }

  /**
   * One transaction (READ COMMITTED), committed when `op` resolves. A pooled
   * connection the server dropped while it sat idle (a restart, an
   * administrator) fails at BEGIN, before `op` ran: nothing was sent, so the
   * transaction is tried again on another connection rather than failing a
   * caller that came after the outage.
   */
  async tx<T>(op: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      let started = false;
      try {
        return (await this.sql.begin((tx) => ((started = true), op(tx)))) as T;
      } catch (err) {
        // Once only for a dropped connection: a database really down must answer 503 without a wait per try.
        if (attempt < TX_TRIES && (isRetryable(err) || (attempt === 1 && !started && isUnavailable(err)))) continue;
        throw this.mapped(err);
      }
    }
  }

  /** Closes the pool; running statements get a moment to finish. Twice is harmless. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sql.close({ timeout: 1 });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError("the PostgreSQL store is closed (hookgate is stopping); nothing was written");
  }

  private mapped(err: unknown): unknown {
    if (this.closed && !(err instanceof StoreUnavailableError)) {
      return new StoreUnavailableError("the PostgreSQL store was closed during the call; nothing was written", { cause: err });
    }
    return asStoreError(err);
  }
}
