/**
 * Console sessions as the pages see them: a login yields a random session
 * cookie and a CSRF token that every form carries. A session ends after
 * `idleMs` without a request or at logout. They live in the database
 * (operations/web-sessions.ts), so a login holds on every process sharing it
 * and across restarts. Within a request the session is an object; its flash
 * message is read from the database when a page is shown and written back
 * when a handler leaves one for the next page.
 */
import type { WebSessionOperations } from "../operations/web-sessions.ts";

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
  /** The cookie value. */
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** The message for the next page: set by a POST handler, taken by the page that shows it. */
  flash: Flash | null;
}

/** A request's view of the sessions. */
export class SessionStore {
  constructor(
    private readonly ops: WebSessionOperations,
    private readonly idleMs: number,
  ) {}

  /** Starts a session with a fresh random cookie and CSRF token. */
  async create(): Promise<Session> {
    const opened = await this.ops.open();
    return { id: opened.cookie, csrfToken: opened.csrfToken, createdAt: opened.createdAt, lastSeenAt: opened.lastSeenAt, flash: null };
  }

  /**
   * The live session of this cookie, its idle timer restarted; null when
   * unknown or expired. With `withFlash` (a page about to be shown) its
   * flash is taken from the database into the session.
   */
  async touch(id: string | undefined, options: { withFlash?: boolean } = {}): Promise<Session | null> {
    const found = await this.ops.resume(id, this.idleMs);
    if (!found) return null;
    const flash = options.withFlash ? decodeFlash(await this.ops.takeFlash(found.cookie)) : null;
    return { id: found.cookie, csrfToken: found.csrfToken, createdAt: found.createdAt, lastSeenAt: found.lastSeenAt, flash };
  }

  destroy(id: string): Promise<void> {
    return this.ops.end(id);
  }

  /** Returns and clears the session's flash message (for the page being rendered). */
  takeFlash(session: Session): Flash | null {
    const flash = session.flash;
    session.flash = null;
    return flash;
  }

  /** After the handler: a flash it left (or one a page did not show) waits in the database for the next page. */
  async keepFlash(session: Session): Promise<void> {
    if (session.flash !== null) await this.ops.setFlash(session.id, JSON.stringify(session.flash));
  }
}

function decodeFlash(text: string | null): Flash | null {
  return text === null ? null : (JSON.parse(text) as Flash);
}

/**
 * Limits wrong admin tokens at the login form: at most `max` failures in any
 * `windowMs`, for every process on the database together (the daemon usually
 * sits behind a proxy, so per-address counting would see one address). The
 * admin token has 256 random bits, so this is about log noise and scripted
 * hammering, not about the odds of a guess; the API's bearer auth stays
 * available meanwhile.
 */
export class LoginLimiter {
  constructor(
    private readonly ops: WebSessionOperations,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until another attempt is allowed; 0 when one is allowed now. */
  retryAfterMs(): Promise<number> {
    return this.ops.loginRetryAfterMs(this.max, this.windowMs);
  }

  recordFailure(): Promise<void> {
    return this.ops.loginFailed();
  }
}
