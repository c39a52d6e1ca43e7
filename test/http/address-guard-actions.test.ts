/**
 * The connect-time address guard covers every way hookgate sends: normal
 * deliveries, test sends and callback_url deliveries. Names resolve through
 * an injected resolver to loopback, where a counting server would notice any
 * connection; nothing here ever leaves the machine.
 */
import { afterEach, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import type { Resolver } from "../../src/http-client/http-client.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

let api: TestApi;
let server: Server;
let accepted = 0;
afterEach(async () => {
  await api.close();
  server.close();
});

/** A loopback server that counts connections, and a resolver sending every name to it. */
async function setup(): Promise<number> {
  accepted = 0;
  server = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const resolver: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
  api = await createTestApi({ delivery: { require_https: false, retry_schedule: [] } }, { resolver });
  return (server.address() as { port: number }).port;
}

test("a delivery to a name that resolves to loopback fails blocked_address and never connects", async () => {
  const port = await setup();
  await api.call("POST", "/v1/endpoints", { url: `http://hooks.customer.example:${port}/in` });
  const r = await api.call("POST", "/v1/events", { type: "a.b", data: {} });
  await api.deliverDue();
  const d = (await api.call("GET", `/v1/deliveries/${r.json.deliveries[0].id}`)).json;
  expect(d).toMatchObject({ status: "failed", last_error: "blocked_address" });
  expect(accepted).toBe(0);
});

test("a test send to such a name answers blocked_address and never connects", async () => {
  const port = await setup();
  const ep = (await api.call("POST", "/v1/endpoints", { url: `http://hooks.customer.example:${port}/in` })).json;
  const r = await api.call("POST", `/v1/endpoints/${ep.id}/test`);
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ error: "blocked_address", status_code: null, test: true });
  expect(accepted).toBe(0);
});

test("a callback_url to such a name fails blocked_address and never connects", async () => {
  const port = await setup();
  const r = await api.call("POST", "/v1/events", { type: "a.b", data: {}, callback_url: `http://dlr.customer.example:${port}/cb` });
  expect(r.status).toBe(202);
  await api.deliverDue();
  const d = (await api.call("GET", `/v1/deliveries/${r.json.deliveries[0].id}`)).json;
  expect(d).toMatchObject({ endpoint_id: null, status: "failed", last_error: "blocked_address" });
  expect(accepted).toBe(0);
});
