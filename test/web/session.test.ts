import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MAX_SESSIONS, webSessionOperations } from "../../src/operations/web-sessions.ts";
import { crossSiteProblem, csrfTokenMatches } from "../../src/web/csrf.ts";
import { LoginLimiter, SessionStore } from "../../src/web/session.ts";
import { openFreshStore, type FreshStore } from "../helpers/store.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const HOUR = 3_600_000;

let s: FreshStore;
beforeEach(() => {
  s = openFreshStore();
});
afterEach(() => s.cleanup());

/** The sessions as the console holds them, over the real store (another process would build the same over the same database). */
function sessionsOver(idleMs = HOUR) {
  const ops = webSessionOperations({ store: s.store, clock: s.clock, randomBytes: random });
  return { store: new SessionStore(ops, idleMs), ops };
}

describe("SessionStore", () => {
  test("a new session has a random id and a different random CSRF token", async () => {
    const { store } = sessionsOver();
    const a = await store.create();
    const b = await store.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrfToken).not.toBe(a.id);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
  });

  test("the database keeps a hash of the cookie, never the cookie", async () => {
    const { store } = sessionsOver();
    const a = await store.create();
    const keys = s.db.query("SELECT key FROM web_sessions").all() as { key: string }[];
    expect(keys).toHaveLength(1);
    expect(keys[0]!.key).not.toContain(a.id);
    expect(keys[0]!.key).toMatch(/^[0-9a-f]{64}$/);
  });

  test("a session ends after the idle time without requests, and each request restarts the timer", async () => {
    const { store } = sessionsOver(12 * HOUR);
    const a = await store.create();
    s.clock.advance(11 * HOUR);
    expect((await store.touch(a.id))?.csrfToken).toBe(a.csrfToken);
    s.clock.advance(11 * HOUR);
    expect((await store.touch(a.id))?.csrfToken).toBe(a.csrfToken);
    s.clock.advance(12 * HOUR + 1);
    expect(await store.touch(a.id)).toBeNull();
    expect(s.db.query("SELECT count(*) AS n FROM web_sessions").get()).toEqual({ n: 0 });
  });

  test("a session opened through one process is honoured by another on the same database", async () => {
    const one = sessionsOver().store;
    const other = sessionsOver().store;
    const a = await one.create();
    expect((await other.touch(a.id))?.csrfToken).toBe(a.csrfToken);
    await other.destroy(a.id);
    expect(await one.touch(a.id)).toBeNull();
  });

  test("unknown, empty and destroyed ids find no session", async () => {
    const { store } = sessionsOver();
    const a = await store.create();
    expect(await store.touch(undefined)).toBeNull();
    expect(await store.touch("")).toBeNull();
    expect(await store.touch(`${a.id}x`)).toBeNull();
    await store.destroy(a.id);
    expect(await store.touch(a.id)).toBeNull();
  });

  test("beyond MAX_SESSIONS the least recently seen session is dropped", async () => {
    const { store } = sessionsOver();
    const first = await store.create();
    for (let i = 0; i < MAX_SESSIONS; i++) {
      s.clock.advance(1);
      await store.create();
    }
    expect(s.db.query("SELECT count(*) AS n FROM web_sessions").get()).toEqual({ n: MAX_SESSIONS });
    expect(await store.touch(first.id)).toBeNull();
  });

  test("a flash message left by one request is shown once, by the next page", async () => {
    const { store } = sessionsOver();
    const a = await store.create();
    a.flash = { kind: "ok", text: "done" };
    await store.keepFlash(a);
    // A POST's view of the session does not take it; the next page does, once.
    expect((await store.touch(a.id))?.flash).toBeNull();
    const page = (await store.touch(a.id, { withFlash: true }))!;
    expect(store.takeFlash(page)).toEqual({ kind: "ok", text: "done" });
    expect(store.takeFlash(page)).toBeNull();
    expect((await store.touch(a.id, { withFlash: true }))?.flash).toBeNull();
  });
});

describe("LoginLimiter", () => {
  test("allows max failures per window, then says how long to wait, then allows again", async () => {
    const limiter = new LoginLimiter(sessionsOver().ops, 3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(await limiter.retryAfterMs()).toBe(0);
      await limiter.recordFailure();
      s.clock.advance(1000);
    }
    expect(await limiter.retryAfterMs()).toBe(57_000);
    s.clock.advance(57_000);
    expect(await limiter.retryAfterMs()).toBe(0);
  });

  test("counts the failures of every process on the database together", async () => {
    const one = new LoginLimiter(sessionsOver().ops, 2, 60_000);
    const other = new LoginLimiter(sessionsOver().ops, 2, 60_000);
    await one.recordFailure();
    await other.recordFailure();
    expect(await one.retryAfterMs()).toBe(60_000);
    expect(await other.retryAfterMs()).toBe(60_000);
  });
});

describe("CSRF checks", () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  const URL_ = "http://127.0.0.1:8720/webhooks";
  test.each([
    [{}, null],
    [{ "sec-fetch-site": "same-origin" }, null],
    [{ "sec-fetch-site": "none" }, null],
    [{ origin: "http://127.0.0.1:8720" }, null],
    // Behind a TLS-terminating proxy the scheme differs, the host does not.
    [{ origin: "https://127.0.0.1:8720" }, null],
    [{ "sec-fetch-site": "cross-site" }, "Sec-Fetch-Site is cross-site"],
    [{ "sec-fetch-site": "same-site" }, "Sec-Fetch-Site is same-site"],
    [{ origin: "http://evil.example" }, "Origin http://evil.example is not this server"],
    [{ origin: "http://127.0.0.1:8721" }, "Origin http://127.0.0.1:8721 is not this server"],
    [{ origin: "null" }, "Origin null is not this server"],
  ] as [Record<string, string>, string | null][])("%j → %p", (h, expected) => {
    expect(crossSiteProblem(headers(h), URL_)).toBe(expected);
  });

  test("the form token must be the session's, exactly", () => {
    expect(csrfTokenMatches("abc", "abc")).toBe(true);
    expect(csrfTokenMatches("abd", "abc")).toBe(false);
    expect(csrfTokenMatches("", "")).toBe(false);
    expect(csrfTokenMatches(undefined, "abc")).toBe(false);
    expect(csrfTokenMatches(["abc"], "abc")).toBe(false);
  });
});
