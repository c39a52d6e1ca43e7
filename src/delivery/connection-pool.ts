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

/** How long a connection may sit idle before the pool closes it. */
export const IDLE_MS = 4_000;

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
  timer: ReturnType<typeof setTimeout>;
}

/** One origin: its slots and its idle connections, most recently used last. */
export interface Origin {
  readonly key: string;
  readonly slots: Slots;
  readonly idle: Idle[];
}

export class ConnectionPool {
  private readonly origins = new Map<string, Origin>();
  private closed = false;

  constructor(private readonly maxPerOrigin: number) {}

  /** The origin for `key`, created on first use. */
  origin(key: string): Origin {
    let origin = this.origins.get(key);
    if (!origin) this.origins.set(key, (origin = { key, slots: new Slots(this.maxPerOrigin), idle: [] }));
    return origin;
  }

  /** The most recently used idle connection (the least likely to have been closed by the server), if any. */
  take(origin: Origin): Http1Connection | undefined {
    const entry = origin.idle.pop();
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    return entry.conn;
  }

  /** Keeps a reusable connection for the next attempt to its origin; closes it once idle too long. */
  put(origin: Origin, conn: Http1Connection): void {
    if (this.closed) return conn.destroy();
    const entry: Idle = { conn, timer: setTimeout(() => conn.destroy(), IDLE_MS) };
    entry.timer.unref();
    origin.idle.push(entry);
    // Closed by the server, by the timer, or by close(): out of the pool either way.
    conn.idle(() => {
      clearTimeout(entry.timer);
      const i = origin.idle.indexOf(entry);
      if (i >= 0) origin.idle.splice(i, 1);
      this.forgetIfUnused(origin);
    });
  }

  /** Called after an attempt released its slot: an origin with nothing in it is dropped. */
  forgetIfUnused(origin: Origin): void {
    if (origin.slots.idle && origin.idle.length === 0 && this.origins.get(origin.key) === origin) this.origins.delete(origin.key);
  }

  /** Closes every idle connection; later put()s close theirs at once. */
  close(): void {
    this.closed = true;
    for (const origin of [...this.origins.values()]) for (const { conn } of [...origin.idle]) conn.destroy();
  }
}
