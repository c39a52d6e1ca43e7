/**
 * The console's doors through app.request(): login and sessions, CSRF, and
 * the headers and assets every page comes with.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApi, TEST_TOKEN, type TestApi } from "../../helpers/http-app.ts";
import { formBody, loginConsole } from "../../helpers/console.ts";

const CATALOG = [
  { name: "message.delivered", description: "Delivery confirmed by network" },
  { name: "credit.low", description: "Balance below threshold" },
];
const LOCAL = { delivery: { require_https: false, allow_private_networks: true, retry_schedule: ["1m"], retry_jitter: 0 }, event_types: CATALOG };

let api: TestApi;
afterEach(async () => {
  await api?.close();
});

describe("login and sessions", () => {
  test.each(["/", "/webhooks", "/webhooks/ep_x", "/deliveries", "/deliveries/dlv_x", "/?window=7d"])("GET %s without a session redirects to the login", async (path) => {
    api = await createTestApi();
    const r = await api.request(path);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
  });

  test("a POST without a session changes nothing and goes to the login", async () => {
    api = await createTestApi(LOCAL);
    const r = await api.request("/webhooks", { method: "POST", body: formBody({ url: "http://127.0.0.1:9/x", all: "1" }) });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toStartWith("/login");
    expect(await api.store.endpoints.list({ limit: 10 })).toHaveLength(0);
  });

  test("the right token sets an HttpOnly, SameSite=Strict session cookie and goes where the login was asked from", async () => {
    api = await createTestApi();
    const r = await api.request("/login", { method: "POST", body: formBody({ token: TEST_TOKEN, next: "/deliveries?status=failed" }) });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/deliveries?status=failed");
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^hookgate_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  });

  test("behind https (X-Forwarded-Proto) the cookie is also Secure", async () => {
    api = await createTestApi();
    const r = await api.request("/login", { method: "POST", headers: { "x-forwarded-proto": "https" }, body: formBody({ token: TEST_TOKEN }) });
    expect(r.headers.get("set-cookie")).toContain("; Secure");
  });

  test.each(["//evil.example/x", "https://evil.example", "/\\evil.example", "webhooks"])("a login never redirects off-site (next=%s)", async (next) => {
    api = await createTestApi();
    const r = await api.request("/login", { method: "POST", body: formBody({ token: TEST_TOKEN, next }) });
    expect(r.headers.get("location")).toBe("/");
  });

  test("a wrong token answers 401 with the login page and a message, and sets no cookie", async () => {
    api = await createTestApi();
    const r = await api.request("/login", { method: "POST", body: formBody({ token: "wrong" }) });
    expect(r.status).toBe(401);
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(await r.text()).toContain("That is not the admin token.");
  });

  test("after ten wrong tokens in a minute even the right one waits (429 with Retry-After)", async () => {
    api = await createTestApi();
    for (let i = 0; i < 10; i++) expect((await api.request("/login", { method: "POST", body: formBody({ token: `wrong${i}` }) })).status).toBe(401);
    const blocked = await api.request("/login", { method: "POST", body: formBody({ token: TEST_TOKEN }) });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("60");
    api.clock.advance(60_000);
    expect((await api.request("/login", { method: "POST", body: formBody({ token: TEST_TOKEN }) })).status).toBe(303);
  });

  test("a session ends after 12 hours without a request", async () => {
    api = await createTestApi();
    const c = await loginConsole(api);
    api.clock.advance(11 * 3_600_000);
    expect((await c.get("/webhooks")).status).toBe(200);
    api.clock.advance(12 * 3_600_000 + 1);
    expect((await c.get("/webhooks")).status).toBe(303);
  });

  test("logout ends the session on the server, not only in the browser", async () => {
    api = await createTestApi();
    const c = await loginConsole(api);
    const out = await c.post("/logout", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("hookgate_session=;");
    expect((await c.get("/webhooks")).status).toBe(303);
  });

  test("the session cookie does not open the API", async () => {
    api = await createTestApi();
    const c = await loginConsole(api);
    expect((await c.get("/v1/endpoints")).status).toBe(401);
  });
});

describe("CSRF", () => {
  test("a POST without the token, or with another token, answers 403 and changes nothing", async () => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    const form = { url: "http://127.0.0.1:9/x", all: "1", tenant: "default" };
    expect((await c.post("/webhooks", { ...form, _csrf: null })).status).toBe(403);
    expect((await c.post("/webhooks", { ...form, _csrf: "x".repeat(43) })).status).toBe(403);
    expect(await api.store.endpoints.list({ limit: 10 })).toHaveLength(0);
    expect((await c.post("/webhooks", form)).status).toBe(303);
  });

  test.each([
    [{ origin: "http://evil.example" }],
    [{ "sec-fetch-site": "cross-site" }],
  ])("a POST from another site (%j) answers 403 even with the token", async (headers) => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    const r = await c.post("/webhooks", { url: "http://127.0.0.1:9/x", all: "1", tenant: "default" }, headers);
    expect(r.status).toBe(403);
    expect(await api.store.endpoints.list({ limit: 10 })).toHaveLength(0);
  });

  test("a cross-site POST to /login is refused too (no login CSRF)", async () => {
    api = await createTestApi();
    const r = await api.request("/login", { method: "POST", headers: { origin: "http://evil.example" }, body: formBody({ token: TEST_TOKEN }) });
    expect(r.status).toBe(403);
    expect(r.headers.get("set-cookie")).toBeNull();
  });
});

describe("headers and assets", () => {
  test("pages carry a strict CSP, no-store and nosniff; the API keeps its own headers", async () => {
    api = await createTestApi();
    const page = await api.request("/login");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const c = await loginConsole(api);
    expect((await c.get("/webhooks")).headers.get("cache-control")).toBe("no-store");
    const v1 = await api.call("GET", "/v1/endpoints");
    expect(v1.headers.get("content-security-policy")).toBeNull();
  });

  test("the stylesheet and script are served from the executable, revalidated by ETag", async () => {
    api = await createTestApi();
    const css = await api.request("/assets/console.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain("table.stack");
    const js = await api.request("/assets/console.js");
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const again = await api.request("/assets/console.js", { headers: { "if-none-match": js.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await api.request("/assets/other.js")).status).toBe(404);
  });

  test("every page names the favicon, and it is served as SVG", async () => {
    api = await createTestApi();
    const icon = await api.request("/assets/favicon.svg");
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect(await icon.text()).toStartWith("<svg");
    const login = await (await api.request("/login")).text();
    expect(login).toContain('<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>');
  });

  test("no page has an inline script (the CSP would block it)", async () => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    for (const path of ["/", "/webhooks", "/deliveries"]) {
      const { html } = await c.get(path);
      expect(html).toStartWith("<!DOCTYPE html>");
      expect(html.match(/<script[^>]*>/g)).toEqual(['<script src="/assets/console.js" defer="">']);
      expect(html).not.toMatch(/ on[a-z]+=/);
    }
  });
});
