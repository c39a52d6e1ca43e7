import { afterEach, describe, expect, test } from "bun:test";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
afterEach(() => api.close());

const SECRET_32 = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

describe("endpoint CRUD", () => {
  test("creates an endpoint with defaults and returns its secret once", async () => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/endpoints", { url: "https://hooks.example.com/sms" });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      tenant: "default",
      url: "https://hooks.example.com/sms",
      description: "",
      event_types: ["*"],
      headers: {},
      metadata: {},
      state: "enabled",
      disabled_reason: null,
      failing_since: null,
      last_success_at: null,
      consecutive_failures: 0,
      created_at: "2026-01-15T10:30:00.000Z",
      updated_at: "2026-01-15T10:30:00.000Z",
    });
    expect(r.json.id).toMatch(/^ep_[0-9A-Z]{26}$/);
    expect(r.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const got = await api.call("GET", `/v1/endpoints/${r.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.secret).toBeUndefined();
    const { secret: _secret, ...withoutSecret } = r.json;
    expect(got.json).toEqual(withoutSecret);
  });

  test("keeps a given secret, tenant, headers and metadata", async () => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/endpoints", {
      url: "https://hooks.example.com/sms",
      tenant: "acme",
      description: "Acme production",
      event_types: ["message.*", "credit.low", "message.*"],
      headers: { "X-Customer": "acme" },
      metadata: { plan: "gold", limits: { rps: 5 } },
      secret: SECRET_32,
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      tenant: "acme",
      description: "Acme production",
      event_types: ["message.*", "credit.low"],
      headers: { "X-Customer": "acme" },
      metadata: { plan: "gold", limits: { rps: 5 } },
      secret: SECRET_32,
    });
    const secret = await api.call("GET", `/v1/endpoints/${r.json.id}/secret`);
    expect(secret.json).toEqual({ secret: SECRET_32, previous: [] });
  });

  test("patches only the given fields and moves updated_at", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/", description: "a" })).json;
    api.clock.advance(60_000);
    const r = await api.call("PATCH", `/v1/endpoints/${created.id}`, { url: "https://b.example.com/x", event_types: ["credit.low"] });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ url: "https://b.example.com/x", event_types: ["credit.low"], description: "a" });
    expect(r.json.created_at).toBe("2026-01-15T10:30:00.000Z");
    expect(r.json.updated_at).toBe("2026-01-15T10:31:00.000Z");
  });

  test("refuses to patch the tenant or the secret", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    const r = await api.call("PATCH", `/v1/endpoints/${created.id}`, { tenant: "other", secret: SECRET_32 });
    expect(r.status).toBe(422);
    expect(r.json.error.details).toEqual([
      { path: "tenant", message: "unknown field" },
      { path: "secret", message: "unknown field" },
    ]);
  });

  test("deletes an endpoint: 204, then 404", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    expect((await api.call("DELETE", `/v1/endpoints/${created.id}`)).status).toBe(204);
    expect((await api.call("GET", `/v1/endpoints/${created.id}`)).status).toBe(404);
    expect((await api.call("DELETE", `/v1/endpoints/${created.id}`)).status).toBe(404);
    expect((await api.call("GET", `/v1/endpoints/${created.id}/secret`)).status).toBe(404);
  });

  test("disables manually and enables again, clearing the failure streak", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    const off = await api.call("POST", `/v1/endpoints/${created.id}/disable`);
    expect(off.json).toMatchObject({ state: "disabled", disabled_reason: "manual" });
    const on = await api.call("POST", `/v1/endpoints/${created.id}/enable`);
    expect(on.json).toMatchObject({ state: "enabled", disabled_reason: null, consecutive_failures: 0, failing_since: null });
    expect((await api.call("POST", "/v1/endpoints/ep_01M82A38PF3VYBN57YT8W23366/enable")).status).toBe(404);
  });
});

describe("secret rotation", () => {
  test("keeps the old secret signing for 24h beside the new one", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/", secret: SECRET_32 })).json;
    const rotated = await api.call("POST", `/v1/endpoints/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(SECRET_32);
    expect(rotated.json.previous).toEqual([{ secret: SECRET_32, expires_at: "2026-01-16T10:30:00.000Z" }]);

    api.clock.advance(24 * 3_600_000 - 1);
    expect((await api.call("GET", `/v1/endpoints/${created.id}/secret`)).json.previous).toHaveLength(1);
    api.clock.advance(1);
    expect((await api.call("GET", `/v1/endpoints/${created.id}/secret`)).json).toEqual({
      secret: rotated.json.secret,
      previous: [],
    });
  });

  test("accepts a chosen new secret and validates it", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    const chosen = await api.call("POST", `/v1/endpoints/${created.id}/rotate-secret`, { secret: SECRET_32 });
    expect(chosen.json.secret).toBe(SECRET_32);
    const bad = await api.call("POST", `/v1/endpoints/${created.id}/rotate-secret`, { secret: "whsec_short" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0].path).toBe("secret");
  });

  test("keeps at most 10 previous secrets", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    let last: any;
    for (let i = 0; i < 13; i++) {
      api.clock.advance(1000);
      last = await api.call("POST", `/v1/endpoints/${created.id}/rotate-secret`);
    }
    expect(last.json.previous).toHaveLength(10);
  });
});

describe("pagination", () => {
  test("lists newest first in pages with an opaque cursor", async () => {
    api = await createTestApi();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      api.clock.advance(1);
      ids.push((await api.call("POST", "/v1/endpoints", { url: `https://e${i}.example.com/` })).json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const r = await api.call("GET", `/v1/endpoints?limit=3${q}`);
      expect(r.status).toBe(200);
      seen.push(...r.json.data.map((e: any) => e.id));
      cursor = r.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  test("defaults to 50 and filters by tenant", async () => {
    api = await createTestApi();
    await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/", tenant: "acme" });
    await api.call("POST", "/v1/endpoints", { url: "https://b.example.com/", tenant: "globex" });
    const r = await api.call("GET", "/v1/endpoints?tenant=acme");
    expect(r.json.data.map((e: any) => e.url)).toEqual(["https://a.example.com/"]);
    expect(r.json.next_cursor).toBeNull();
  });

  test.each([
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=abc", "limit"],
    ["limit=-1", "limit"],
    ["cursor=nonsense", "cursor"],
    [`cursor=${Buffer.from("evt_01M82A38PF3VYBN57YT8W23366").toString("base64url")}`, "cursor"],
    ["tenant=has%20space", "tenant"],
    ["color=blue", "color"],
  ])("refuses ?%s with 422 naming %s", async (query, field) => {
    api = await createTestApi();
    const r = await api.call("GET", `/v1/endpoints?${query}`);
    expect(r.status).toBe(422);
    expect(r.json.error.details[0].path).toBe(field);
  });
});

describe("endpoint validation", () => {
  const cases: [string, Record<string, unknown>, Record<string, any>, string, string][] = [
    ["a missing url", {}, {}, "url", "expected a URL string"],
    ["a relative url", { url: "/hook" }, {}, "url", "expected an absolute http or https URL"],
    ["a non-http scheme", { url: "ftp://example.com/" }, {}, "url", "expected an http or https URL"],
    ["http when https is required", { url: "http://example.com/" }, {}, "url", "must be an https URL (set delivery.require_https = false to allow http)"],
    ["credentials in the url", { url: "https://u:p@example.com/" }, {}, "url", "must not contain credentials; put them in headers instead"],
    ["a fragment", { url: "https://example.com/#x" }, {}, "url", "must not contain a #fragment"],
    ["localhost", { url: "https://localhost/" }, {}, "url", "host localhost is a loopback address (set delivery.allow_private_networks = true to allow it)"],
    ["decimal loopback", { url: "https://2130706433/" }, {}, "url", "host 127.0.0.1 is a loopback address (set delivery.allow_private_networks = true to allow it)"],
    ["hex short loopback", { url: "https://0x7f.1/" }, {}, "url", "host 127.0.0.1 is a loopback address (set delivery.allow_private_networks = true to allow it)"],
    ["a private address", { url: "https://10.1.2.3/" }, {}, "url", "host 10.1.2.3 is a private address (set delivery.allow_private_networks = true to allow it)"],
    ["cloud metadata", { url: "https://169.254.169.254/latest" }, {}, "url", "host 169.254.169.254 is a cloud metadata address (set delivery.allow_private_networks = true to allow it)"],
    ["IPv4-mapped loopback", { url: "https://[::ffff:127.0.0.1]/" }, {}, "url", "host [::ffff:7f00:1] is a loopback address (set delivery.allow_private_networks = true to allow it)"],
    ["unique-local IPv6", { url: "https://[fd12::1]/" }, {}, "url", "host [fd12::1] is a unique local address (set delivery.allow_private_networks = true to allow it)"],
    ["a bad event type", { url: "https://example.com/", event_types: ["Message Delivered"] }, {}, "event_types[0]", '"Message Delivered": expected an event type, "prefix.*" or "*"'],
    ["no event types", { url: "https://example.com/", event_types: [] }, {}, "event_types", 'expected at least one event type (use ["*"] for all)'],
    ["a reserved header", { url: "https://example.com/", headers: { "Content-Type": "text/plain" } }, {}, "headers.Content-Type", "is set by hookgate and cannot be overridden"],
    ["the signature header", { url: "https://example.com/", headers: { "x-sakura-signature": "x" } }, { signing: { header: "X-Sakura-Signature" } }, "headers.x-sakura-signature", "is set by hookgate and cannot be overridden"],
    ["a header with CRLF", { url: "https://example.com/", headers: { "X-A": "a\r\nX-B: b" } }, {}, "headers.X-A", "value has control characters or is too long"],
    ["a bad header name", { url: "https://example.com/", headers: { "X A": "a" } }, {}, "headers.X A", "not a valid header name"],
    ["a short secret", { url: "https://example.com/", secret: `whsec_${Buffer.alloc(16).toString("base64")}` }, {}, "secret", 'expected "whsec_" followed by the base64 of 24 to 64 random bytes'],
    ["a secret without prefix", { url: "https://example.com/", secret: Buffer.alloc(32).toString("base64") }, {}, "secret", 'expected "whsec_" followed by the base64 of 24 to 64 random bytes'],
    ["a bad tenant", { url: "https://example.com/", tenant: "a b" }, {}, "tenant", "expected 1 to 128 letters, digits or . _ : -"],
    ["metadata that is an array", { url: "https://example.com/", metadata: [1] }, {}, "metadata", "expected a JSON object"],
    ["an unknown field", { url: "https://example.com/", colour: "red" }, {}, "colour", "unknown field"],
  ];

  test.each(cases)("refuses %s with 422", async (_name, body, config, path, message) => {
    api = await createTestApi(config);
    const r = await api.call("POST", "/v1/endpoints", body);
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("validation_failed");
    expect(r.json.error.details).toContainEqual({ path, message });
    expect(await api.store.endpoints.list({ limit: 10 })).toEqual([]);
  });

  test.each([
    ['{"url":"https://example.com/","metadata":{"__proto__":{"polluted":true}}}'],
    ['{"url":"https://example.com/","headers":{"\\u005f_proto__":"x"}}'],
  ])("refuses a __proto__ key anywhere in %s instead of dropping it", async (body) => {
    api = await createTestApi();
    const r = await api.call("POST", "/v1/endpoints", body);
    expect(r.status).toBe(422);
    expect(r.json.error.message).toBe('a key named "__proto__" is not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await api.store.endpoints.list({ limit: 10 })).toEqual([]);
  });

  test("allows http and private addresses when the config says so", async () => {
    api = await createTestApi({ delivery: { require_https: false, allow_private_networks: true } });
    const r = await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9000/hook" });
    expect(r.status).toBe(201);
  });

  test("checks event types against the catalog when one is configured", async () => {
    api = await createTestApi({ event_types: [{ name: "message.delivered" }, { name: "message.failed" }, { name: "credit.low" }] });
    const ok = await api.call("POST", "/v1/endpoints", { url: "https://example.com/", event_types: ["message.*", "credit.low", "*"] });
    expect(ok.status).toBe(201);
    const bad = await api.call("POST", "/v1/endpoints", { url: "https://example.com/", event_types: ["message.sent", "contact.*"] });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: any) => d.path)).toEqual(["event_types[0]", "event_types[1]"]);
    // Each message names its entry, so a form (which shows no path) says which one is wrong.
    expect(bad.json.error.details.map((d: any) => d.message)).toEqual([
      '"message.sent" matches no event type in the catalog (message.delivered, message.failed, credit.low)',
      '"contact.*" matches no event type in the catalog (message.delivered, message.failed, credit.low)',
    ]);
  });

  test("a patch is validated like a create", async () => {
    api = await createTestApi();
    const created = (await api.call("POST", "/v1/endpoints", { url: "https://a.example.com/" })).json;
    const r = await api.call("PATCH", `/v1/endpoints/${created.id}`, { url: "https://192.168.1.1/" });
    expect(r.status).toBe(422);
    expect((await api.call("GET", `/v1/endpoints/${created.id}`)).json.url).toBe("https://a.example.com/");
  });
});

describe("event types", () => {
  test("lists the configured catalog", async () => {
    api = await createTestApi({ event_types: [{ name: "credit.low", description: "Balance below threshold", example: { balance: 90 } }] });
    const r = await api.call("GET", "/v1/event-types");
    expect(r.json).toEqual({
      data: [{ name: "credit.low", description: "Balance below threshold", example: { balance: 90 } }],
      next_cursor: null,
    });
  });
});
