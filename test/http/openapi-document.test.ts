import { afterEach, describe, expect, test } from "bun:test";
import { VERSION } from "../../src/version.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
afterEach(() => api.close());

/**
 * Documented ahead of their routes, which other branches are building. Each
 * must not be served yet: once its route lands this test fails, and the
 * path comes off this list.
 */
const DOCUMENTED_AHEAD: string[] = [];

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

async function documentOf(api: TestApi): Promise<any> {
  const res = await api.request("/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

/** `METHOD /path/{param}` for every operation of the document. */
function documentedRoutes(doc: any): string[] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/**
 * The web console's HTML pages (src/web/console) are for browsers, not part of
 * the API the document describes; every other top-level route is.
 */
const CONSOLE_PATH = /^\/(?:$|login$|logout$|assets\/|webhooks(?:$|\/)|deliveries(?:$|\/))/;

/** `METHOD /path/{param}` for every API route the Hono app serves (middleware and console pages left out). */
function servedRoutes(api: TestApi): string[] {
  return api.app.routes
    .filter((r) => r.method !== "ALL" && !CONSOLE_PATH.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
}

/** Every `$ref` anywhere in `value`, with where it was found. */
function refs(value: unknown, at = "#"): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "$ref" ? [[v as string, at] as [string, string]] : refs(v, `${at}/${k}`)));
}

function resolve(doc: any, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<any>((node, key) => (node === undefined ? undefined : node[key]), doc);
}

describe("GET /openapi.json", () => {
  test("answers the OpenAPI 3.1 document as JSON without a token", async () => {
    api = await createTestApi();
    const res = await api.request("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    const doc: any = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "hookgate", version: VERSION });
    expect(doc.servers).toEqual([{ url: "/" }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  test("answers the same document on every request", async () => {
    api = await createTestApi();
    expect(await documentOf(api)).toEqual(await documentOf(api));
  });

  test("documents every route the app serves, and serves every documented route", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    const documented = documentedRoutes(doc);
    const served = servedRoutes(api);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r) && !DOCUMENTED_AHEAD.includes(r))).toEqual([]);
    // Documented ahead must mean "not served yet": a route that landed comes off the list.
    expect(DOCUMENTED_AHEAD.filter((r) => served.includes(r))).toEqual([]);
    for (const r of DOCUMENTED_AHEAD) expect(documented).toContain(r);
  });

  test("needs the admin token on every /v1 operation and on nothing else", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS.filter((m) => item[m])) {
        const op = item[m];
        if (path.startsWith("/v1/")) {
          expect({ path, security: op.security }).toEqual({ path, security: [{ bearerAuth: [] }] });
          expect(op.responses["401"]).toEqual({ $ref: "#/components/responses/Unauthorized" });
        } else if (path === "/metrics") {
          // Open, or its own token when server.metrics_token is set.
          expect(op.security).toEqual([{}, { metricsToken: [] }]);
        } else {
          expect({ path, security: op.security }).toEqual({ path, security: [] });
        }
      }
    }
  });

  test("resolves every $ref inside the document", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    const found = refs(doc);
    expect(found.length).toBeGreaterThan(50);
    expect(found.filter(([ref]) => resolve(doc, ref) === undefined)).toEqual([]);
  });

  test("declares every path parameter of every path, and no other", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const m of METHODS.filter((m) => item[m])) {
        const params: any[] = [...(item.parameters ?? []), ...(item[m].parameters ?? [])];
        const declared = params.filter((p) => p.in === "path");
        expect({ path, m, names: declared.map((p) => p.name).sort() }).toEqual({ path, m, names: inPath });
        for (const p of declared) expect(p.required).toBe(true);
      }
    }
  });

  test("gives each operation a unique operationId, a 2xx response and only described responses", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    const ids: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS.filter((m) => item[m])) {
        const op = item[m];
        expect(typeof op.operationId).toBe("string");
        ids.push(op.operationId);
        const statuses = Object.keys(op.responses);
        expect({ path, m, ok: statuses.some((s) => /^2\d\d$/.test(s)) }).toEqual({ path, m, ok: true });
        for (const [status, r] of Object.entries<any>(op.responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          const response: any = r.$ref ? resolve(doc, r.$ref) : r;
          expect({ path, m, status, description: typeof response?.description }).toEqual({ path, m, status, description: "string" });
        }
        for (const p of op.parameters ?? []) {
          expect(["path", "query", "header"]).toContain(p.in);
          expect(typeof p.schema).toBe("object");
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("describes the query parameters, request bodies and statuses the README promises", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    const op = (m: string, p: string) => doc.paths[p][m];
    const names = (o: any) => o.parameters.map((p: any) => `${p.in}:${p.name}`);

    expect(names(op("get", "/v1/deliveries"))).toEqual(
      ["query:limit", "query:cursor", "query:status", "query:endpoint_id", "query:tenant", "query:event_type"],
    );
    expect(names(op("get", "/v1/endpoints"))).toEqual(["query:limit", "query:cursor", "query:tenant"]);
    expect(names(op("get", "/v1/stats"))).toEqual(["query:window", "query:tenant", "query:endpoint_id"]);
    expect(op("get", "/v1/stats").parameters[0].schema).toMatchObject({ enum: ["1h", "24h", "7d"], default: "24h" });
    expect(names(op("post", "/v1/events"))).toEqual(["header:Idempotency-Key"]);

    const send = op("post", "/v1/events");
    expect(send.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/EventInput" });
    expect(Object.keys(send.responses)).toEqual(["202", "400", "401", "409", "413", "422", "500", "503"]);
    const input = doc.components.schemas.EventInput;
    expect(input.required).toEqual(["type", "data"]);
    expect(input.additionalProperties).toBe(false);
    expect(Object.keys(input.properties)).toEqual(["type", "tenant", "data", "timestamp", "callback_url"]);

    expect(Object.keys(op("post", "/v1/endpoints").responses)).toContain("201");
    expect(op("delete", "/v1/endpoints/{id}").responses["204"]).toEqual({ description: "deleted" });
    expect(op("get", "/readyz").responses["503"]).toEqual({ $ref: "#/components/responses/Unavailable" });
    expect(Object.keys(doc.components.responses).sort()).toEqual(
      ["Conflict", "InternalError", "InvalidJson", "NotFound", "PayloadTooLarge", "Unauthorized", "Unavailable", "ValidationFailed"],
    );
  });

  test("shows request fields as clients send them: defaulted fields are optional", async () => {
    api = await createTestApi();
    const doc = await documentOf(api);
    const create = doc.components.schemas.EndpointCreate;
    expect(create.required).toEqual(["url"]);
    expect(create.properties.tenant).toMatchObject({ default: "default", pattern: "^[A-Za-z0-9._:-]{1,128}$" });
    expect(doc.components.schemas.Recover.properties.since).toMatchObject({ type: "string", format: "date-time" });
  });
});
