/**
 * Console sessions and the login limit, over the store, so every process on
 * one database honours a login made through any of them. The cookie is a
 * random secret shown only to the browser; the store keeps its SHA-256, so a
 * database dump holds no usable session. Flash messages are opaque strings
 * here: the web face encodes and decodes them.
 */
import { createHash } from "node:crypto";
import type { OperationDeps } from "./deps.ts";

/** Sessions kept at most; the least recently seen go first, so logins cannot grow the table without bound. */
export const MAX_SESSIONS = 1000;
/** A session's last-seen time is written at most this often: reading a page is not a write each time. */
const SEEN_PRECISION_MS = 60_000;

export interface OpenedWebSession {
  /** The cookie value: the session's only secret, never stored. */
  cookie: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface WebSessionOperations {
  open(): Promise<OpenedWebSession>;
  /** The live session of this cookie, its idle time restarted; null when unknown or idle longer than `idleMs`. */
  resume(cookie: string | undefined, idleMs: number): Promise<OpenedWebSession | null>;
  end(cookie: string): Promise<void>;
  setFlash(cookie: string, flash: string | null): Promise<void>;
  takeFlash(cookie: string): Promise<string | null>;
  /** Milliseconds until another login may be tried, with at most `max` failures in any `windowMs`; 0: now. */
  loginRetryAfterMs(max: number, windowMs: number): Promise<number>;
  loginFailed(): Promise<void>;
}

const keyOf = (cookie: string) => createHash("sha256").update(cookie).digest("hex");

export function webSessionOperations(deps: Pick<OperationDeps, "store" | "clock" | "randomBytes">): WebSessionOperations {
  const { store, clock } = deps;
  const sessions = store.webSessions;
  const token = () => Buffer.from(deps.randomBytes(32)).toString("base64url");
  return {
    async open() {
      const now = clock.now();
      const opened = { cookie: token(), csrfToken: token(), createdAt: now, lastSeenAt: now };
      await sessions.create({ session: { key: keyOf(opened.cookie), csrfToken: opened.csrfToken, createdAt: now, lastSeenAt: now, flash: null }, keep: MAX_SESSIONS });
      return opened;
    },
    async resume(cookie, idleMs) {
      if (!cookie) return null;
      const now = clock.now();
      const key = keyOf(cookie);
      const found = await sessions.find({ key, seenSince: now - idleMs });
      if (!found) return null;
      if (now - found.lastSeenAt >= SEEN_PRECISION_MS) await sessions.seen({ key, at: now });
      return { cookie, csrfToken: found.csrfToken, createdAt: found.createdAt, lastSeenAt: now };
    },
    end(cookie) {
      return sessions.remove({ key: keyOf(cookie) });
    },
    setFlash(cookie, flash) {
      return sessions.setFlash({ key: keyOf(cookie), flash });
    },
    takeFlash(cookie) {
      return sessions.takeFlash({ key: keyOf(cookie) });
    },
    async loginRetryAfterMs(max, windowMs) {
      const now = clock.now();
      const failures = await sessions.loginFailures({ since: now - windowMs + 1 });
      if (failures.length < max) return 0;
      // Allowed again once enough of them have left the window.
      return failures[failures.length - max]! + windowMs - now;
    },
    loginFailed() {
      return sessions.loginFailed({ at: clock.now() });
    },
  };
}
