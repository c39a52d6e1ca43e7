/**
 * The deliverer's decision for an attempt hookgate itself cut off (the HTTP
 * client closed at the shutdown deadline), through the real client and a
 * real receiver that holds the request: "interrupted", made again at once
 * even with the schedule spent, and no mark on the endpoint's health.
 */
import type { Server } from "bun";
import { afterEach, expect, test } from "bun:test";
import { FakeClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import { createDeliverer } from "../../src/delivery/deliver.ts";
import { createHttpClient } from "../../src/http-client/http-client.ts";
import { createIdGenerator } from "../../src/domain/ids.ts";
import type { Delivery, Endpoint } from "../../src/domain/model.ts";

const T0 = Date.UTC(2026, 0, 15, 10, 30);
const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

let server: Server<undefined> | undefined;
const held: (() => void)[] = [];
afterEach(() => {
  for (const release of held.splice(0)) release();
  void server?.stop(true);
});

function delivery(url: string, overrides: Partial<Delivery>): Delivery {
  return {
    id: "dlv_1",
    eventId: "evt_1",
    tenant: "default",
    eventType: "message.delivered",
    endpointId: "ep_1",
    url,
    status: "pending",
    // The last attempt the schedule allows: any other failure would end the delivery.
    attemptCount: 1,
    nextAttemptAt: T0,
    lease: { owner: "node_test", until: T0 + 60_000, at: T0 },
    lastError: "HTTP 500",
    scheduleStart: 0,
    isTest: false,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

test.each([
  [false, { status: "pending", at: T0 }],
  [true, { status: "failed" }],
] as const)("an attempt cut off by the client's close (test send: %p) is interrupted, next %j, with no health change", async (isTest, next) => {
  let arrived = 0;
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      arrived++;
      return new Promise<Response>((resolve) => held.push(() => resolve(new Response(null, { status: 200 }))));
    },
  });
  const url = `http://127.0.0.1:${server.port}/hook`;
  const config = configSchema.parse({ delivery: { require_https: false, allow_private_networks: true, retry_schedule: ["1s"], timeout: "30s" } });
  const clock = new FakeClock(T0);
  const client = createHttpClient({ allowPrivateNetworks: true });
  const endpoint = { id: "ep_1", state: "enabled", headers: {} } as unknown as Endpoint;
  const deliver = createDeliverer({ client, config, clock, ids: createIdGenerator(() => clock.now()), random: () => 0.5, destination: async () => ({ endpoint, secrets: [SECRET] }) });

  const attempt = deliver({ delivery: delivery(url, { isTest }), payload: '{"id":"evt_1"}' });
  const deadline = Date.now() + 10_000;
  while (arrived === 0 && Date.now() < deadline) await Bun.sleep(10);
  expect(arrived).toBe(1);
  await client.close();
  const record = await attempt;

  expect(record).not.toBeNull();
  expect(record!.attempt).toMatchObject({ n: 2, error: "interrupted", statusCode: null, nextAttemptAt: next.status === "pending" ? T0 : null });
  expect(record!.next).toEqual(next);
  expect(record!.health).toBeNull();
}, 30_000);
