/**
 * Cases the hostile-input properties found, pinned down one by one with the
 * exact answers, plus the valid neighbours of each (so a fix that refuses
 * too much shows up here too).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestApi, TEST_TOKEN, type TestApi } from "../helpers/http-app.ts";
import { nestedArrays, nestedObjects } from "../helpers/hostile.ts";

/** The API's nesting limit (MAX_JSON_DEPTH in src/http/validate.ts), restated as this test's expectation. */
const MAX_JSON_DEPTH = 128;
const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;

describe("hostile input found by the properties", () => {
  let fresh: TestApi;
  beforeAll(async () => {
    // The default server.max_body (1 MiB), large enough for the deep bodies below.
    fresh = await createTestApi({ delivery: { require_https: false, allow_private_networks: true } });
  });
  afterAll(() => fresh.close());

  test("event data nested 400,000 levels deep (it fits in 1 MiB) is a 422, not a 500 from a stack overflow when the payload is rendered", async () => {
    for (const data of [`{"x":${nestedArrays(400_000)}}`, nestedObjects(100_000)]) {
      for (const body of [`{"type":"a.b","data":${data}}`, `{"type":"a.b","note":"\\u0041","data":${data}}`]) {
        const r = await fresh.call("POST", "/v1/events", body);
        expect(r.status).toBe(422);
        expect(r.json.error.message).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`);
      }
    }
  });

  test(`a body nested exactly ${MAX_JSON_DEPTH} levels is taken, one level more is not`, async () => {
    const at = (levels: number) => `{"type":"a.b","data":${nestedObjects(levels - 1)}}`;
    expect((await fresh.call("POST", "/v1/events", at(MAX_JSON_DEPTH))).status).toBe(202);
    expect((await fresh.call("POST", "/v1/events", at(MAX_JSON_DEPTH + 1))).status).toBe(422);
  });

  test("calls that take no body refuse one instead of acting and ignoring it", async () => {
    const ep = (await fresh.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x" })).json;
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/disable`, "{not json")).status).toBe(400);
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/disable`, { reason: "maintenance" })).json.error.details).toEqual([
      { path: "reason", message: "unknown field" },
    ]);
    expect((await fresh.call("DELETE", `/v1/endpoints/${ep.id}`, "[]")).status).toBe(422);
    expect((await fresh.call("GET", `/v1/endpoints/${ep.id}`)).json.state).toBe("enabled");
    // An empty body and {} are still fine.
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/disable`, {})).status).toBe(200);
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/enable`)).status).toBe(200);
  });

  test("a JSON null body is not taken as an empty one by rotate-secret and test", async () => {
    const ep = (await fresh.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x", secret: SECRET_A })).json;
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/rotate-secret`, "null")).status).toBe(422);
    expect((await fresh.call("POST", `/v1/endpoints/${ep.id}/test`, "null")).status).toBe(422);
    expect((await fresh.call("GET", `/v1/endpoints/${ep.id}/secret`)).json).toEqual({ secret: SECRET_A, previous: [] });
  });

  test("a query parameter given twice is refused, whichever copy is bad", async () => {
    for (const query of ["limit=5&limit=oops", "limit=oops&limit=5", "status=failed&status=pending"]) {
      const r = await fresh.call("GET", `/v1/deliveries?${query}`);
      expect(r.status).toBe(422);
      expect(r.json.error.message).toEndWith("given more than once; expected one value");
    }
  });

  test("a query parameter without a name is refused, not dropped", async () => {
    const r = await fresh.call("GET", "/v1/endpoints?=x&limit=5");
    expect(r.status).toBe(422);
    expect(r.json.error.details).toEqual([{ path: "", message: 'a query parameter has no name (its value: "x")' }]);
  });

  test("values JSON can spell but hookgate could not keep as sent are refused: 1e400, a lone surrogate", async () => {
    const big = await fresh.call("POST", "/v1/events", '{"type":"a.b","data":{"n":1e400}}');
    expect(big.status).toBe(422);
    expect(big.json.error.details).toEqual([{ path: "data.n", message: "number is too large to represent" }]);
    const lone = await fresh.call("POST", "/v1/endpoints", '{"url":"http://127.0.0.1:9/","description":"a\\ud800b"}');
    expect(lone.status).toBe(422);
    expect(lone.json.error.details[0].path).toBe("description");
  });

  test("a custom header value beyond U+00FF is refused at the edge, since no delivery could ever carry it", async () => {
    const r = await fresh.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/", headers: { "X-City": "東京" } });
    expect(r.status).toBe(422);
    expect(r.json.error.details).toEqual([{ path: "headers.X-City", message: "value has characters beyond U+00FF, which HTTP header bytes cannot carry" }]);
    expect((await fresh.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/", headers: { "X-City": "Zürich" } })).status).toBe(201);
  });

  test.each([
    ["2024-02-30T00:00:00Z", "a day past the end of the month (Date.parse made it March 1)"],
    ["2023-02-29T00:00:00Z", "February 29 of a common year"],
    ["2024-01-01T24:00:00Z", "hour 24 (Date.parse made it the next day)"],
    ["2024-01-01T00:00:00+05:60", "an offset with 60 minutes"],
  ])("refuses the timestamp %p: %s", async (timestamp) => {
    const r = await fresh.call("POST", "/v1/events", { type: "a.b", data: {}, timestamp });
    expect(r.status).toBe(422);
    expect(r.json.error.details).toEqual([{ path: "timestamp", message: 'expected an RFC 3339 time, such as "2024-01-15T10:30:00Z"' }]);
  });

  test("refuses a time whose offset moves it out of years 0000-9999, which toISOString would write as +010000-…", async () => {
    for (const timestamp of ["9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+00:01"]) {
      const r = await fresh.call("POST", "/v1/events", { type: "a.b", data: {}, timestamp });
      expect(r.json.error.details).toEqual([{ path: "timestamp", message: "expected a time from year 0000 to 9999 in UTC" }]);
    }
  });

  test("keeps the instant of valid RFC 3339 times, to the second the payload carries: offsets, leap days, fractions, lower-case letters", async () => {
    const cases: [string, string][] = [
      ["2024-02-29T12:00:00.123456789+05:30", "2024-02-29T06:30:00Z"],
      ["2024-01-15t10:30:00z", "2024-01-15T10:30:00Z"],
      ["2024-01-15 10:30:00.5-00:30", "2024-01-15T11:00:00Z"],
      ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z"],
      ["0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"],
      ["0099-03-01T00:00:00Z", "0099-03-01T00:00:00Z"],
    ];
    for (const [timestamp, stored] of cases) {
      const r = await fresh.call("POST", "/v1/events", { type: "a.b", data: {}, timestamp });
      expect(r.status).toBe(202);
      expect((await fresh.call("GET", `/v1/events/${r.json.id}`)).json.timestamp).toBe(stored);
    }
  });

  test("a 413 asks for the connection to be closed, so the client need not send the rest", async () => {
    const res = await fresh.request("/v1/endpoints", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-length": String(2 * 1024 * 1024) },
      body: "x".repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});
