import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createTestApi, TEST_TOKEN, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
beforeEach(async () => {
  api = await createTestApi({ server: { max_body: "2KiB" } });
});
afterEach(() => api.close());

describe("bearer auth on /v1", () => {
  test.each([
    ["no header", undefined],
    ["wrong token", `Bearer ${TEST_TOKEN}x`],
    ["token prefix only", `Bearer ${TEST_TOKEN.slice(0, 10)}`],
    ["basic scheme", `Basic ${btoa(`admin:${TEST_TOKEN}`)}`],
    ["bearer without token", "Bearer "],
  ])("refuses %s with 401, the error shape and WWW-Authenticate", async (_name, authorization) => {
    const headers: Record<string, string> = {};
    if (authorization !== undefined) headers.authorization = authorization;
    const res = await api.request("/v1/endpoints", { headers });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toStartWith('Bearer realm="hookgate"');
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });
  });

  test("accepts the token with any case of the scheme", async () => {
    const res = await api.request("/v1/endpoints", { headers: { authorization: `bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  test("leaves /healthz and /readyz open", async () => {
    expect((await api.request("/healthz")).status).toBe(200);
    const ready = await api.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok" } });
  });
});

describe("error shape for every client error", () => {
  test("400 invalid_json for malformed JSON", async () => {
    const r = await api.call("POST", "/v1/endpoints", "{not json");
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
  });

  test("400 invalid_json for an empty body", async () => {
    const r = await api.call("POST", "/v1/endpoints", "");
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
  });

  test("404 not_found for an unknown endpoint id and an unknown route", async () => {
    const a = await api.call("GET", "/v1/endpoints/ep_01M82A38PF3VYBN57YT8W23366");
    expect(a.status).toBe(404);
    expect(a.json.error).toEqual({ code: "not_found", message: "endpoint ep_01M82A38PF3VYBN57YT8W23366 not found" });
    const b = await api.call("GET", "/v1/nothing-here");
    expect(b.status).toBe(404);
    expect(b.json.error.code).toBe("not_found");
  });

  test("413 payload_too_large for a body over server.max_body, with Content-Length", async () => {
    const body = JSON.stringify({ url: "https://example.com/", description: "x".repeat(4000) });
    const res = await api.request("/v1/endpoints", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-length": String(body.length) },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
    expect((await api.store.endpoints.list({ limit: 10 })).length).toBe(0);
  });

  test("413 payload_too_large for a chunked body over server.max_body", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1000));
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await api.request("/v1/endpoints", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
  });

  test("422 validation_failed names the field in message and details", async () => {
    const r = await api.call("POST", "/v1/endpoints", { url: "ftp://example.com/" });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("validation_failed");
    expect(r.json.error.message).toBe("url: expected an http or https URL");
    expect(r.json.error.details).toEqual([{ path: "url", message: "expected an http or https URL" }]);
  });

  test("503 unavailable from /readyz when a readiness check fails", async () => {
    api.readiness.push({
      name: "delivery",
      check: async () => {
        throw new Error("delivery loop not running");
      },
    });
    const res = await api.request("/readyz");
    expect(res.status).toBe(503);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("unavailable");
    expect(body.error.details).toEqual([{ path: "delivery", message: "delivery loop not running" }]);
  });

  test("500 internal_error without internals when the database is gone", async () => {
    await api.store.close();
    const r = await api.call("GET", "/v1/endpoints");
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: "internal_error", message: "internal error; see the server log for this request id" } });
    expect(JSON.stringify(r.json)).not.toContain("at ");
  });

  test("every response carries a request id, and a sane incoming one is kept", async () => {
    const mine = await api.call("GET", "/v1/endpoints", undefined, { "x-request-id": "trace-123" });
    expect(mine.headers.get("x-request-id")).toBe("trace-123");
    const odd = await api.call("GET", "/v1/endpoints", undefined, { "x-request-id": "bad id\twith tab" });
    expect(odd.headers.get("x-request-id")).toMatch(/^req_[0-9A-Z]{26}$/);
  });
});
