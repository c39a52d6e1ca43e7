import { expect, test } from "bun:test";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { startingResponse } from "../../src/http/starting-response.ts";

const ids = createIdGenerator(() => Date.UTC(2026, 0, 15), (n) => new Uint8Array(n));

test("answers 503 unavailable in the API's error shape, with Retry-After and a request id, while hookgate starts", async () => {
  const res = startingResponse(new Request("http://127.0.0.1:8720/readyz"), ids);
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(res.headers.get("retry-after")).toBe("1");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("x-request-id")).toStartWith("req_");
  expect(await res.json()).toEqual({ error: { code: "unavailable", message: "hookgate is starting (opening its database); retry in a moment" } });
});

test("echoes the caller's X-Request-Id when it is plain, and replaces one that is not", () => {
  const withId = (id: string) => startingResponse(new Request("http://127.0.0.1:8720/v1/events", { headers: { "x-request-id": id } }), ids);
  expect(withId("trace-42:a.b").headers.get("x-request-id")).toBe("trace-42:a.b");
  expect(withId("has space").headers.get("x-request-id")).toStartWith("req_");
});

test("gives each request a body of its own", async () => {
  const req = new Request("http://127.0.0.1:8720/readyz");
  const [a, b] = [startingResponse(req, ids), startingResponse(req, ids)];
  expect(await a.text()).toBe(await b.text());
});
