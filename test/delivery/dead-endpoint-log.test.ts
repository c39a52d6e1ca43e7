/**
 * What a dead endpoint writes to the log: the real dispatcher, deliverer and
 * HTTP client against a real local server that answers 500 to 1,000
 * attempts, then 200. The streak is logged once when it starts, summarised
 * at most once per interval (the fake clock stands for the minutes passing
 * between rounds), and once at the recovery; never one line per attempt.
 */
import type { Server } from "bun";
import { afterEach, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import { createTestApi, type TestApi } from "../helpers/http-app.ts";

const ROUNDS = 4;
const PER_ROUND = 250;
const FAILURES = ROUNDS * PER_ROUND;
const MINUTE = 60_000;

let api: TestApi | undefined;
let server: Server<undefined> | undefined;
afterEach(async () => {
  await api?.close();
  void server?.stop(true);
});

test(`a dead endpoint's ${FAILURES} failed attempts write one line when it starts failing, one summary per interval and one at its recovery`, async () => {
  let status = 500;
  let received = 0;
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      received++;
      return new Response(null, { status });
    },
  });
  const lines: Record<string, any>[] = [];
  const log = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) });
  api = await createTestApi(
    // No retries: each event is one attempt, so the count of failures is the count of events.
    { delivery: { require_https: false, allow_private_networks: true, retry_schedule: [], retry_jitter: 0, max_in_flight_per_endpoint: 64 } },
    { log },
  );
  const t = api;
  const created = await t.call("POST", "/v1/endpoints", { url: `http://127.0.0.1:${server.port}/hook` });
  expect(created.status).toBe(201);
  const endpointId: string = created.json.id;

  /** Ingests `n` events and delivers them all. */
  const sendAndDeliver = async (n: number) => {
    const target = received + n;
    const batch = await t.call("POST", "/v1/events/batch", { events: Array.from({ length: n }, (_, i) => ({ type: "message.delivered", data: { i } })) });
    expect(batch.status).toBe(202);
    while (received < target) await t.deliverDue();
    await t.deliverDue(); // the last records land
  };

  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) t.clock.advance(MINUTE + 1_000);
    await sendAndDeliver(PER_ROUND);
  }
  expect(received).toBe(FAILURES);
  status = 200;
  t.clock.advance(5_000);
  await sendAndDeliver(1);

  const warns = lines.filter((l) => l.level === "warn");
  expect(warns.map((l) => l.msg)).toEqual(["endpoint failing", ...Array(ROUNDS - 1).fill("endpoint still failing")]);
  for (const w of warns) expect(w).toMatchObject({ endpoint_id: endpointId, url_host: `127.0.0.1:${server!.port}` });
  expect(warns[0]).toMatchObject({ failures: 1, error: "http_status", status: 500 });
  for (const summary of warns.slice(1)) expect(summary).toMatchObject({ failures: PER_ROUND, last_error: "http_status", last_status: 500 });

  const recovered = lines.filter((l) => l.msg === "endpoint recovered");
  expect(recovered).toHaveLength(1);
  expect(recovered[0]).toMatchObject({ level: "info", endpoint_id: endpointId, failures_in_streak: FAILURES, failing_for_ms: (ROUNDS - 1) * (MINUTE + 1_000) + 5_000 });
  // Every failure is in exactly one line's count.
  const counted = [...warns, ...recovered].reduce((sum, l) => sum + l.failures, 0);
  expect(counted).toBe(FAILURES);
}, 60_000);

test("deleting a failing endpoint writes the failures no line counted yet, and forgets its streak", async () => {
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 503 }) });
  const lines: Record<string, any>[] = [];
  const log = createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line)) });
  api = await createTestApi({ delivery: { require_https: false, allow_private_networks: true, retry_schedule: [], retry_jitter: 0 } }, { log });
  const id: string = (await api.call("POST", "/v1/endpoints", { url: `http://127.0.0.1:${server.port}/hook` })).json.id;
  expect((await api.call("POST", "/v1/events/batch", { events: Array.from({ length: 3 }, () => ({ type: "message.delivered", data: {} })) })).status).toBe(202);
  await api.deliverDue();
  expect((await api.call("DELETE", `/v1/endpoints/${id}`)).status).toBe(204);
  const streak = lines.filter((l) => l.endpoint_id === id && ["endpoint failing", "endpoint still failing", "endpoint recovered"].includes(l.msg));
  expect(streak.map((l) => [l.msg, l.failures, l.forgotten])).toEqual([
    ["endpoint failing", 1, undefined],
    ["endpoint still failing", 2, "endpoint deleted"],
  ]);
  expect(streak[1]).toMatchObject({ failures_in_streak: 3, last_error: "http_status", last_status: 503 });
}, 30_000);
