/**
 * The console's pages through app.request(), with seeded data: the same
 * validation as the API, the actions, and HTML escaping of everything a
 * user or a subscriber can put on a page.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createTestApi, type TestApi } from "../../helpers/http-app.ts";
import { loginConsole } from "../../helpers/console.ts";
import { startReceiver, type Receiver } from "../../helpers/receiver.ts";

const CATALOG = [
  { name: "message.delivered", description: "Delivery confirmed by network" },
  { name: "credit.low", description: "Balance below threshold" },
];
const LOCAL = { delivery: { require_https: false, allow_private_networks: true, retry_schedule: ["1m"], retry_jitter: 0 }, event_types: CATALOG };

let api: TestApi;
let receiver: Receiver | undefined;
afterEach(async () => {
  receiver?.close();
  receiver = undefined;
  await api?.close();
});

describe("webhooks", () => {
  test.each([
    ["ftp://example.com/x", { require_https: false, allow_private_networks: true }],
    ["http://example.com/x", { require_https: true, allow_private_networks: true }],
    ["http://127.0.0.1:9/x", { require_https: false, allow_private_networks: false }],
    ["http://user:pw@example.com/x", { require_https: false, allow_private_networks: true }],
  ])("refuses %s with the API's own message, next to the URL field", async (url, delivery) => {
    api = await createTestApi({ delivery, event_types: CATALOG });
    const viaApi = await api.call("POST", "/v1/endpoints", { url });
    expect(viaApi.status).toBe(422);
    const c = await loginConsole(api);
    const r = await c.post("/webhooks", { url, all: "1", tenant: "default" });
    expect(r.status).toBe(422);
    const message = viaApi.json.error.details[0].message as string;
    expect(r.html).toContain(Bun.escapeHTML(message));
    expect(r.html).toContain(`value="${Bun.escapeHTML(url)}"`);
    expect(await api.store.endpoints.list({ limit: 10 })).toHaveLength(0);
  });

  test("refuses no event type at all, and a tenant the API refuses", async () => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    const r = await c.post("/webhooks", { url: "http://127.0.0.1:9/x", tenant: "no spaces" });
    expect(r.status).toBe(422);
    expect(r.html).toContain("expected at least one event type");
    expect(r.html).toContain("expected 1 to 128 letters, digits or . _ : -");
  });

  test("adds a webhook with the event types picked, shows its secret once, then never in the list", async () => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    const r = await c.post("/webhooks", { url: "http://127.0.0.1:9/x", tenant: "acme", description: "CRM", events: ["message.delivered", "credit.low"] });
    expect(r.status).toBe(303);
    const [endpoint] = await api.store.endpoints.list({ limit: 10 });
    expect(endpoint!.eventTypes).toEqual(["message.delivered", "credit.low"]);
    expect(endpoint!.tenant).toBe("acme");
    expect(r.location).toBe(`/webhooks/${endpoint!.id}#secret`);
    const [secret] = await api.store.endpoints.activeSecrets({ id: endpoint!.id, now: api.clock.now() });
    expect((await c.get(`/webhooks/${endpoint!.id}`)).html).toContain(secret!.secret);
    expect((await c.get(`/webhooks/${endpoint!.id}`)).html).not.toContain(secret!.secret);
    expect((await c.get("/webhooks")).html).not.toContain("whsec_");
  });

  test("All events subscribes to *", async () => {
    api = await createTestApi(LOCAL);
    const c = await loginConsole(api);
    await c.post("/webhooks", { url: "http://127.0.0.1:9/x", tenant: "default", all: "1", events: "credit.low" });
    expect((await api.store.endpoints.list({ limit: 1 }))[0]!.eventTypes).toEqual(["*"]);
  });

  test("disable, enable, reveal and rotate act like the API", async () => {
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x" })).json;
    const c = await loginConsole(api);
    await c.post(`/webhooks/${ep.id}/disable`, { back: "/webhooks" });
    expect((await api.store.endpoints.get(ep.id))!.disabledReason).toBe("manual");
    expect((await c.get("/webhooks")).html).toContain("disabled by an operator");
    await c.post(`/webhooks/${ep.id}/enable`, {});
    expect((await api.store.endpoints.get(ep.id))!.state).toBe("enabled");
    const revealed = await c.post(`/webhooks/${ep.id}/reveal-secret`, {});
    expect(revealed.location).toBe(`/webhooks/${ep.id}#secret`);
    expect((await c.get(`/webhooks/${ep.id}`)).html).toContain(ep.secret);
    await c.post(`/webhooks/${ep.id}/rotate-secret`, {});
    const after = (await api.call("GET", `/v1/endpoints/${ep.id}/secret`)).json;
    expect(after.secret).not.toBe(ep.secret);
    expect(after.previous[0].secret).toBe(ep.secret);
    const page = (await c.get(`/webhooks/${ep.id}`)).html;
    expect(page).toContain(after.secret);
  });

  test("delete asks first, then removes", async () => {
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x" })).json;
    const c = await loginConsole(api);
    expect((await c.get(`/webhooks/${ep.id}/delete`)).html).toContain("Delete this webhook?");
    expect(await api.store.endpoints.get(ep.id)).not.toBeNull();
    expect((await c.post(`/webhooks/${ep.id}/delete`, {})).location).toBe("/webhooks");
    expect(await api.store.endpoints.get(ep.id)).toBeNull();
    expect((await c.get(`/webhooks/${ep.id}`)).status).toBe(404);
  });

  test("Test sends a sample event and shows status, latency and the response body, escaped", async () => {
    receiver = startReceiver();
    receiver.respond("/hook", () => new Response("<script>alert(1)</script>", { status: 202 }));
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: `${receiver.url}/hook`, event_types: ["credit.low"] })).json;
    const c = await loginConsole(api);
    const r = await c.post(`/webhooks/${ep.id}/test`, { back: "/webhooks" });
    expect(r.location).toBe("/webhooks#test-result");
    expect(receiver.at("/hook")).toHaveLength(1);
    expect(JSON.parse(receiver.at("/hook")[0]!.body).event).toBe("credit.low");
    const { html } = await c.get("/webhooks");
    expect(html).toContain("HTTP 202");
    expect(html).toMatch(/class="latency">\d+ ms</);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert(1)");
  });

  test("Test with an event type outside the catalog is refused with the API's message", async () => {
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x" })).json;
    const c = await loginConsole(api);
    await c.post(`/webhooks/${ep.id}/test`, { event_type: "nope.nope" });
    expect((await c.get(`/webhooks/${ep.id}`)).html).toContain("expected one of the catalog&#39;s event types");
  });

  test("descriptions and URLs are escaped everywhere they are shown", async () => {
    api = await createTestApi(LOCAL);
    const evil = `<img src=x onerror="alert(1)">`;
    const ep = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x?q=<b>", description: evil })).json;
    const c = await loginConsole(api);
    for (const path of ["/webhooks", `/webhooks/${ep.id}`]) {
      const { html } = await c.get(path);
      expect(html).not.toContain("<img");
      expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    }
  });
});

describe("first steps", () => {
  test("an empty dashboard and an empty log say what to do first; a filtered empty log says none match", async () => {
    api = await createTestApi();
    const c = await loginConsole(api);
    expect((await c.get("/")).html).toContain("no webhooks yet");
    const log = (await c.get("/deliveries")).html;
    expect(log).toContain("No deliveries yet");
    expect(log).toContain('href="/webhooks#add"');
    expect((await c.get("/deliveries?status=failed")).html).toContain("No deliveries match.");
    await api.call("POST", "/v1/endpoints", { url: "https://example.com/hook" });
    expect((await c.get("/")).html).not.toContain("no webhooks yet");
  });
});

describe("delivery log", () => {
  async function failedDelivery() {
    receiver = startReceiver();
    receiver.respond("/hook", () => new Response(new Uint8Array([0xff, 0xfe, 0x00, 0x01]), { status: 500 }));
    api = await createTestApi(LOCAL);
    const ep = (await api.call("POST", "/v1/endpoints", { url: `${receiver.url}/hook`, description: "d" })).json;
    const sent = (await api.call("POST", "/v1/events", { type: "message.delivered", data: { note: "</pre><script>x()</script>" } })).json;
    await api.deliverDue();
    api.clock.advance(60_000);
    await api.deliverDue();
    return { ep, id: sent.deliveries[0].id as string };
  }

  test("one delivery shows every attempt: headers, status, body (binary as base64), and the retry decision", async () => {
    const { id } = await failedDelivery();
    expect((await api.store.deliveries.get(id))!.status).toBe("failed");
    const c = await loginConsole(api);
    const { html, status } = await c.get(`/deliveries/${id}`);
    expect(status).toBe(200);
    expect(html.match(/class="card attempt"/g)).toHaveLength(2);
    expect(html).toContain("HTTP 500");
    expect(html).toContain("retry at <time");
    expect(html).toContain("the retry schedule is spent");
    expect(html).toContain("webhook-signature");
    expect(html).toContain("(binary, shown as base64)");
    expect(html).toContain(Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64"));
    expect(html).not.toContain("<script>x()");
    expect(html).toContain("&lt;/pre&gt;&lt;script&gt;x()");
  });

  test("an attempt cut off by a crash says hookgate cut it off and that it is made again, not that the endpoint failed", async () => {
    api = await createTestApi(LOCAL);
    await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/hook" });
    const id: string = (await api.call("POST", "/v1/events", { type: "message.delivered", data: {} })).json.deliveries[0].id;
    // Claimed by a run that died; this start takes the lease over.
    expect((await api.store.deliveries.claimDue({ now: api.clock.now(), limit: 10, leaseMs: 60_000, capacity: { maxPerEndpoint: 10, inFlight: new Map() }, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` })).claimed).toHaveLength(1);
    expect(await api.store.deliveries.interruptLeases({ now: api.clock.now(), newAttemptId: () => "att_cut", owners: "all" })).toHaveLength(1);
    const c = await loginConsole(api);
    const { html, status } = await c.get(`/deliveries/${id}`);
    expect(status).toBe(200);
    expect(html).toMatch(/<span class="badge warn">[^<]*<span aria-hidden="true">[^<]*<\/span> interrupted<\/span>/);
    expect(html).toContain("cut off when hookgate crashed or stopped; whether the receiver got it is unknown, so it is made again at once: due <time");
    expect(html).not.toContain("final");
  });

  test("Retry queues a finished delivery again; a pending one is refused with the API's message", async () => {
    const { id } = await failedDelivery();
    const c = await loginConsole(api);
    await c.post(`/deliveries/${id}/retry`, {});
    expect((await api.store.deliveries.get(id))!.status).toBe("pending");
    expect((await c.get(`/deliveries/${id}`)).html).toContain("Queued again");
    await c.post(`/deliveries/${id}/retry`, {});
    expect((await c.get(`/deliveries/${id}`)).html).toContain(`delivery ${id} is already pending`);
  });

  test("Recover since queues the endpoint's failed deliveries again", async () => {
    const { ep, id } = await failedDelivery();
    const c = await loginConsole(api);
    const since = new Date(api.clock.now() - 3_600_000).toISOString().slice(0, 16);
    await c.post(`/webhooks/${ep.id}/recover`, { since });
    expect((await api.store.deliveries.get(id))!.status).toBe("pending");
    expect((await c.get(`/webhooks/${ep.id}`)).html).toContain("1 failed delivery queued again.");
    await c.post(`/webhooks/${ep.id}/recover`, { since: "yesterday" });
    expect((await c.get(`/webhooks/${ep.id}`)).html).toContain("expected an RFC 3339 time");
  });

  test("filters by endpoint, status and event type; empty filters mean any; bad ones are a 422 page", async () => {
    const { ep, id } = await failedDelivery();
    const other = (await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/other", event_types: ["credit.low"] })).json;
    await api.call("POST", "/v1/events", { type: "credit.low", data: {} });
    const c = await loginConsole(api);
    const rows = (html: string) => (html.match(/<a href="\/deliveries\/dlv_[^"]+">/g) ?? []).length;
    expect(rows((await c.get("/deliveries?endpoint_id=&status=&event_type=")).html)).toBe(3);
    expect(rows((await c.get(`/deliveries?endpoint_id=${ep.id}`)).html)).toBe(2);
    expect(rows((await c.get(`/deliveries?endpoint_id=${other.id}`)).html)).toBe(1);
    const failed = (await c.get("/deliveries?status=failed")).html;
    expect(rows(failed)).toBe(1);
    expect(failed).toContain(id);
    expect(rows((await c.get("/deliveries?event_type=credit.low")).html)).toBe(2);
    const bad = await c.get("/deliveries?status=lost");
    expect(bad.status).toBe(422);
    expect(bad.html).toContain("Error 422");
  });

  test("pages newest first, 50 at a time, keeping the filters", async () => {
    api = await createTestApi(LOCAL);
    await api.call("POST", "/v1/endpoints", { url: "http://127.0.0.1:9/x" });
    for (let i = 0; i < 3; i++) await api.call("POST", "/v1/events/batch", { events: Array.from({ length: 20 }, () => ({ type: "credit.low", data: {} })) });
    const c = await loginConsole(api);
    const first = (await c.get("/deliveries?event_type=credit.low")).html;
    const next = /href="(\/deliveries\?event_type=credit.low&amp;cursor=[^"]+)"/.exec(first)?.[1]?.replace("&amp;", "&");
    expect(next).toBeDefined();
    const second = (await c.get(next!)).html;
    expect((second.match(/<a href="\/deliveries\/dlv_/g) ?? []).length).toBe(10);
  });

  test("an unknown delivery is a 404 page", async () => {
    api = await createTestApi();
    const c = await loginConsole(api);
    const r = await c.get("/deliveries/dlv_nope");
    expect(r.status).toBe(404);
    expect(r.html).toContain("delivery dlv_nope not found");
  });
});

describe("dashboard", () => {
  test("shows success rate, latency, backlog, failing endpoints and charts with data", async () => {
    receiver = startReceiver();
    receiver.respond("/bad", () => 500);
    api = await createTestApi(LOCAL);
    const good = (await api.call("POST", "/v1/endpoints", { url: `${receiver.url}/good`, event_types: ["credit.low"] })).json;
    await api.call("POST", "/v1/endpoints", { url: `${receiver.url}/bad`, event_types: ["message.delivered"] });
    await api.call("POST", "/v1/events", { type: "credit.low", data: {} });
    await api.call("POST", "/v1/events", { type: "message.delivered", data: {} });
    await api.deliverDue();
    api.clock.advance(60_000);
    const c = await loginConsole(api);
    const { html, status } = await c.get("/?window=1h");
    expect(status).toBe(200);
    expect(html).toContain("50.0 %");
    expect(html).toContain("1 of 2 attempts");
    expect(html).toContain(`href="/webhooks/${good.id}"`);
    expect(html).toMatch(/<h2>Failing now<\/h2><table/);
    expect(html).toContain(`${receiver.url}/bad`);
    expect(html).toContain('class="bar-ok"');
    expect(html).toContain('class="bar-fail"');
    expect(html).toContain('class="dot"');
    expect((await c.get("/?window=1y")).status).toBe(422);
  });
});
