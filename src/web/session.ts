/**
 * Console sessions, kept in memory: a login yields a random session id (the
 * cookie) and a CSRF token that every form carries. A session ends after
 * `idleMs` without a request, at logout, or when the process restarts (the
 * map is not persisted; logging in again is the whole cost).
 */
import type { Clock } from "../clock.ts";

/** A one-shot message shown on the next page (after a POST/redirect). */
export type Flash =
  | { kind: "ok" | "error"; text: string }
  | { kind: "secret"; endpointId: string; text: string; secret: string; previous: { secret: string; expiresAt: number | null }[] }
  | { kind: "test"; endpointId: string; result: TestResultView };

/** What the Test button shows: the attempt the sample event made. */
export interface TestResultView {
  eventType: string;
  deliveryId: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
  responseTruncated: boolean;
}

export interface Session {
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  flash: Flash | null;
}

/** Sessions at most; the oldest is dropped beyond it, so logins cannot grow memory without bound. */
export const MAX_SESSIONS = 1000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly randomBytes: (n: number) => Uint8Array,
    private readonly idleMs: number,
  ) {}

  /** Starts a session with fresh random id and CSRF token. */
  create(): Session {
    const now = this.clock.now();
    const session: Session = { id: this.token(), csrfToken: this.token(), createdAt: now, lastSeenAt: now, flash: null };
    // A Map iterates in insertion order: the first key is the oldest session.
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle timer restarted; null when unknown or expired. */
  touch(id: string | undefined): Session | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const now = this.clock.now();
    if (now - session.lastSeenAt > this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    session.lastSeenAt = now;
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Returns and clears the session's flash message. */
  takeFlash(session: Session): Flash | null {
    const flash = session.flash;
    session.flash = null;
    return flash;
  }

  get size(): number {
    return this.sessions.size;
  }

  private token(): string {
    return Buffer.from(this.randomBytes(32)).toString("base64url");
  }
}

/**
 * Limits wrong admin tokens at the login form: at most `max` failures in any
 * `windowMs`, for the whole process (the daemon usually sits behind a proxy,
 * so per-address counting would see one address). The admin token has 256
 * random bits, so this is about log noise and scripted hammering, not about
 * the odds of a guess; the API's bearer auth stays available meanwhile.
 */
export class LoginLimiter {
  private failures: number[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until another attempt is allowed; 0 when one is allowed now. */
  retryAfterMs(): number {
    const now = this.clock.now();
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    if (this.failures.length < this.max) return 0;
    return this.failures[0]! + this.windowMs - now;
  }

  recordFailure(): void {
    this.failures.push(this.clock.now());
  }
}
