import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/clock.ts";
import { crossSiteProblem, csrfTokenMatches } from "../../src/web/csrf.ts";
import { LoginLimiter, MAX_SESSIONS, SessionStore } from "../../src/web/session.ts";

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const HOUR = 3_600_000;

describe("SessionStore", () => {
  test("a new session has a random id and a different random CSRF token", () => {
    const store = new SessionStore(new FakeClock(), random, HOUR);
    const a = store.create();
    const b = store.create();
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrfToken).not.toBe(a.id);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
  });

  test("a session ends after the idle time without requests, and each request restarts the timer", () => {
    const clock = new FakeClock();
    const store = new SessionStore(clock, random, 12 * HOUR);
    const s = store.create();
    clock.advance(11 * HOUR);
    expect(store.touch(s.id)).toBe(s);
    clock.advance(11 * HOUR);
    expect(store.touch(s.id)).toBe(s);
    clock.advance(12 * HOUR + 1);
    expect(store.touch(s.id)).toBeNull();
    expect(store.size).toBe(0);
  });

  test("unknown, empty and destroyed ids find no session", () => {
    const store = new SessionStore(new FakeClock(), random, HOUR);
    const s = store.create();
    expect(store.touch(undefined)).toBeNull();
    expect(store.touch("")).toBeNull();
    expect(store.touch(`${s.id}x`)).toBeNull();
    store.destroy(s.id);
    expect(store.touch(s.id)).toBeNull();
  });

  test("beyond MAX_SESSIONS the oldest session is dropped", () => {
    const store = new SessionStore(new FakeClock(), random, HOUR);
    const first = store.create();
    for (let i = 0; i < MAX_SESSIONS; i++) store.create();
    expect(store.size).toBe(MAX_SESSIONS);
    expect(store.touch(first.id)).toBeNull();
  });

  test("a flash message is shown once", () => {
    const store = new SessionStore(new FakeClock(), random, HOUR);
    const s = store.create();
    s.flash = { kind: "ok", text: "done" };
    expect(store.takeFlash(s)).toEqual({ kind: "ok", text: "done" });
    expect(store.takeFlash(s)).toBeNull();
  });
});

describe("LoginLimiter", () => {
  test("allows max failures per window, then says how long to wait, then allows again", () => {
    const clock = new FakeClock();
    const limiter = new LoginLimiter(clock, 3, 60_000);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs()).toBe(0);
      limiter.recordFailure();
      clock.advance(1000);
    }
    expect(limiter.retryAfterMs()).toBe(57_000);
    clock.advance(57_000);
    expect(limiter.retryAfterMs()).toBe(0);
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
