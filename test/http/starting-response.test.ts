import { expect, test } from "bun:test";
import { startingResponse } from "../../src/http/starting-response.ts";

test("answers 503 unavailable in the API's error shape, with Retry-After, while hookgate starts", async () => {
  const res = startingResponse();
  expect(res.status).toBe(503);
  expect(res.headers.get("content-type")).toBe("application/json");
  expect(res.headers.get("retry-after")).toBe("1");
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(await res.json()).toEqual({ error: { code: "unavailable", message: "hookgate is starting (opening its database); retry in a moment" } });
});

test("gives each request a body of its own", async () => {
  const [a, b] = [startingResponse(), startingResponse()];
  expect(await a.text()).toBe(await b.text());
});
