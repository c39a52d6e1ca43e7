/**
 * Prometheus can scrape the real daemon: GET /metrics over a socket answers
 * text every line of which parses, with the counters moved by a delivery to
 * a real receiver, and the metrics token enforced when configured.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { cleanupDaemons, deliveryWhen, startDaemon } from "../helpers/daemon.ts";
import { parsePrometheusText } from "../helpers/prometheus-text.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const T = 60_000;
const METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef012345";

let receiver: Receiver | null = null;
afterEach(() => receiver?.close());
afterAll(cleanupDaemons);

test("the daemon answers /metrics in the text format, counting a real delivery", async () => {
  receiver = startReceiver();
  const d = await startDaemon({ config: "[delivery]\nrequire_https = false\nallow_private_networks = true\n" });
  const ep = await d.api("POST", "/v1/endpoints", { url: `${receiver.url}/hook` });
  expect(ep.status).toBe(201);
  const ev = await d.api("POST", "/v1/events", { type: "message.delivered", data: { n: 1 } });
  expect(ev.status).toBe(202);
  await deliveryWhen(d, ev.json.deliveries[0].id, (dl) => dl.status === "succeeded");

  const res = await fetch(`${d.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const m = parsePrometheusText(await res.text());
  expect(m.value("hookgate_events_accepted_total")).toBe(1);
  expect(m.value("hookgate_attempts_total", { outcome: "success", status_class: "2xx", error: "none" })).toBe(1);
  expect(m.value("hookgate_deliveries_succeeded_total")).toBe(1);
  expect(m.value("hookgate_time_to_delivery_seconds_count")).toBe(1);
  expect(m.find("hookgate_build_info")[0]?.value).toBe(1);
  expect(m.value("process_resident_memory_bytes")).toBeGreaterThan(0);
  expect(m.value("hookgate_deliveries_pending")).toBe(0);
  expect(m.value("hookgate_endpoints", { state: "enabled" })).toBe(1);
  expect(await d.stop()).toBe(0);
}, T);

test("with server.metrics_token the daemon wants that token and only it", async () => {
  const d = await startDaemon({ config: `[server]\nmetrics_token = "${METRICS_TOKEN}"\n` });
  expect((await fetch(`${d.url}/metrics`)).status).toBe(401);
  expect((await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${d.token}` } })).status).toBe(401);
  const ok = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(ok.status).toBe(200);
  parsePrometheusText(await ok.text());
  expect(await d.stop()).toBe(0);
  expect(d.lines.join("\n")).not.toContain(METRICS_TOKEN);
}, T);
