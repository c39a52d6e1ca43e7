/**
 * Idle HTTP/1.1 connections per origin, and the per-origin cap on attempts
 * in flight. An origin is scheme + vetted IP + port (+ TLS servername): two
 * names on one address share plain-http connections, never TLS sessions.
 *
 * Sockets per origin never exceed the cap: an attempt holds a slot from
 * before it takes or opens a connection until it has put it back or closed
 * it, and only slot holders open connections. Idle connections go after
 * IDLE_MS, below the 5 s keep-alive timeout of Node's HTTP server (the
 * shortest common default), so the server rarely closes first; when it
 * does, the close usually arrives while the connection is idle and takes it
 * out of the pool (see http-client.ts for the race that is left).
 */
import type { Http1Connection } from "./http1-connection.ts";

/** How long a connection may sit idle before the pool closes it (give or take SWEEP_MS). */
export const IDLE_MS = 4_000;
// One sweep timer for the pool instead of a timer set and cleared per request.
const SWEEP_MS = 500;

/** A counting semaphore whose release hands the slot straight to the next waiter. */
export class Slots {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly size: number) {}
  tryAcquire(): boolean {
    if (this.active >= this.size) return false;
    this.active++;
    return true;
  }
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
  get idle(): boolean {
    return this.active === 0 && this.waiters.length === 0;
  }
}

interface Idle {
  conn: Http1Connection;
  since: number;
}

/** One origin: its slots and its idle connections, oldest first. */
export interface Origin {
  readonly key: string;
  readonly slots: Slots;
  readonly idle: Idle[];
}

export class ConnectionPool {
  private readonly origins = new Map<string, Origin>();
  private closed = false;
  private sweeper: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly maxPerOrigin: number) {}

  /** The origin for `key`, created on first use. */
  origin(key: string): Origin {
    let origin = this.origins.get(key);
    if (!origin) this.origins.set(key, (origin = { key, slots: new Slots(this.maxPerOrigin), idle: [] }));
    return origin;
  }

  /** The most recently used idle connection (the least likely to have been closed by the server), if any. */
  take(origin: Origin): Http1Connection | undefined {
    return origin.idle.pop()?.conn;
  }

  /** Keeps a reusable connection for the next attempt to its origin; closes it once idle too long. */
  put(origin: Origin, conn: Http1Connection): void {
    if (this.closed) return conn.destroy();
    const entry: Idle = { conn, since: performance.now() };
    origin.idle.push(entry);
    // Closed by the server, by the sweep, or by close(): out of the pool either way.
    conn.idle(() => {
      const i = origin.idle.indexOf(entry);
      if (i >= 0) origin.idle.splice(i, 1);
      this.forgetIfUnused(origin);
    });
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
  }

  /** Closes the connections idle for IDLE_MS; stops sweeping once none is left. */
  private sweep(): void {
    const cutoff = performance.now() - IDLE_MS;
    let left = 0;
    for (const origin of this.origins.values()) {
      while (origin.idle.length > 0 && origin.idle[0]!.since <= cutoff) origin.idle.shift()!.conn.destroy();
      left += origin.idle.length;
    }
    if (left === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Called after an attempt released its slot: an origin with nothing in it is dropped. */
  forgetIfUnused(origin: Origin): void {
    if (origin.slots.idle && origin.idle.length === 0 && this.origins.get(origin.key) === origin) this.origins.delete(origin.key);
  }

  /** Closes every idle connection; later put()s close theirs at once. */
  close(): void {
    this.closed = true;
    this.stopSweeping();
    for (const origin of [...this.origins.values()]) for (const { conn } of [...origin.idle]) conn.destroy();
  }
}
