/**
 * The console in a real browser against the real daemon: headless Chromium
 * (the build shipped in the npm package @sparticuz/chromium, driven by
 * playwright-core; see ../helpers/browser.ts), the hookgate process, and
 * a receiver on 127.0.0.1. Screenshots of every page at 1280 and 390 px
 * wide land in test/artifacts/console/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { cleanupDaemons, deliveryWhen, startDaemon, type Daemon } from "../../helpers/daemon.ts";
import { launchBrowser, screenshotPath } from "../../helpers/browser.ts";
import { startReceiver, type Receiver } from "../../helpers/receiver.ts";

const T = 60_000;
const TOKEN = "console-test-token-0123456789abcdefghijklmnop";
const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

const CONFIG = `
[server]
admin_token = "${TOKEN}"

[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1s"]
timeout = "2s"

[[event_types]]
name = "message.delivered"
description = "Delivery confirmed by network"
example = { message_id = "msg_abc123", phone = "255712345678", status = "delivered", sender_id = "SAKURA" }

[[event_types]]
name = "message.failed"
description = "Delivery failed (with error code)"

[[event_types]]
name = "credit.low"
description = "Balance below threshold"
`;

let browser: Browser;
let daemon: Daemon;
let receiver: Receiver;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  receiver = startReceiver();
  receiver.respond("/ok", () => new Response(JSON.stringify({ received: true, note: "<b>not bold</b>" }), { headers: { "content-type": "application/json" } }));
  receiver.respond("/fail", () => new Response("upstream exploded", { status: 500 }));
  daemon = await startDaemon({ config: CONFIG });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: WIDTHS.desktop });
  page = await context.newPage();
}, T);

afterAll(async () => {
  await browser?.close();
  receiver?.close();
  await cleanupDaemons();
});

/** Screenshots the current page at both widths, full length. */
async function shoot(name: string) {
  for (const [label, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: screenshotPath(`${name}-${label}`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

/** No part of the page sticks out sideways at 390 px (nothing to scroll horizontally). */
async function fitsPhoneWidth(): Promise<boolean> {
  await page.setViewportSize(WIDTHS.phone);
  const wide = (await page.evaluate("document.documentElement.scrollWidth")) as number;
  await page.setViewportSize(WIDTHS.desktop);
  return wide <= WIDTHS.phone.width;
}

describe("console in a browser", () => {
  test(
    "a wrong token is refused with a message; the right one lands on the dashboard",
    async () => {
      await page.goto(`${daemon.url}/webhooks`);
      expect(new URL(page.url()).pathname).toBe("/login");
      await shoot("login");
      await page.fill("#token", "not-the-token");
      await page.click("button[type=submit]");
      await expect(page.locator(".flash.error").textContent()).resolves.toContain("not the admin token");
      await page.fill("#token", TOKEN);
      await page.click("button[type=submit]");
      await page.waitForURL(`${daemon.url}/webhooks`);
      await page.goto(`${daemon.url}/`);
      expect(await page.textContent("h1")).toBe("Dashboard");
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === "hookgate_session");
      expect(session?.httpOnly).toBe(true);
      expect(session?.sameSite).toBe("Strict");
    },
    T,
  );

  test(
    "adds a webhook with two event types from the catalog and shows its secret once",
    async () => {
      await page.goto(`${daemon.url}/webhooks`);
      await page.fill("#url", `${receiver.url}/ok`);
      await page.fill("#description", "Acme <CRM> receiver");
      await page.check('input[name=events][value="message.delivered"]');
      await page.check('input[name=events][value="credit.low"]');
      await page.click("form#add button[type=submit]");
      await page.waitForURL(/\/webhooks\/ep_/);
      expect(await page.textContent("#secret")).toContain("whsec_");
      expect(await page.textContent("h1")).toBe(`${receiver.url}/ok`);
      expect(await page.textContent("dl.facts")).toContain("message.delivered");
      expect(await page.textContent("dl.facts")).toContain("credit.low");
      // The description is text, not markup.
      expect(await page.textContent("main")).toContain("Acme <CRM> receiver");
      const listed = (await daemon.api("GET", "/v1/endpoints")).json.data;
      expect(listed).toHaveLength(1);
      expect(listed[0].event_types).toEqual(["message.delivered", "credit.low"]);
      // Shown once: a reload shows no secret.
      await page.reload();
      expect(await page.locator("#secret").count()).toBe(0);
    },
    T,
  );

  test(
    "an invalid URL is refused next to the form, with what was typed kept",
    async () => {
      await page.goto(`${daemon.url}/webhooks`);
      await page.fill("#url", "ftp://example.com/hook");
      await page.check('input[name=events][value="message.failed"]');
      await page.click("form#add button[type=submit]");
      expect(await page.textContent("form#add .problems")).toContain("expected an http or https URL");
      expect(await page.inputValue("#url")).toBe("ftp://example.com/hook");
      expect(await page.isChecked('input[name=events][value="message.failed"]')).toBe(true);
      expect((await daemon.api("GET", "/v1/endpoints")).json.data).toHaveLength(1);
    },
    T,
  );

  test(
    "the Test button next to a webhook sends a sample event and shows status, latency and response body",
    async () => {
      await page.goto(`${daemon.url}/webhooks`);
      const before = receiver.at("/ok").length;
      await page.click('form[action$="/test"] button');
      await page.waitForURL(/\/webhooks#test-result$/);
      const result = page.locator("#test-result");
      expect(await result.textContent()).toContain("HTTP 200");
      expect(await result.locator(".latency").textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
      expect(await result.locator("pre.body").textContent()).toContain('"note":"<b>not bold</b>"');
      expect(await result.locator("b").count()).toBe(0);
      expect(receiver.at("/ok").length).toBe(before + 1);
      expect(JSON.parse(receiver.at("/ok").at(-1)!.body).event).toBe("message.delivered");
      await shoot("webhooks");
      expect(await fitsPhoneWidth()).toBe(true);
    },
    T,
  );

  test(
    "a failed delivery shows every attempt with its request, response and retry decision",
    async () => {
      const ep = await daemon.api("POST", "/v1/endpoints", { url: `${receiver.url}/fail`, event_types: ["message.*"], description: "always 500" });
      expect(ep.status).toBe(201);
      const sent = await daemon.api("POST", "/v1/events", { type: "message.failed", data: { message_id: "msg_1", error_code: "E42" } });
      expect(sent.status).toBe(202);
      const id = sent.json.deliveries.find((d: any) => d.endpoint_id === ep.json.id).id;
      await deliveryWhen(daemon, id, (d) => d.status === "failed");

      await page.goto(`${daemon.url}/deliveries`);
      await page.selectOption("#f-status", "failed");
      await page.click(".filters button[type=submit]");
      await page.waitForURL(/status=failed/);
      await shoot("deliveries");
      expect(await fitsPhoneWidth()).toBe(true);
      await page.click(`a[href="/deliveries/${id}"]`);
      await page.waitForURL(`${daemon.url}/deliveries/${id}`);
      const attempts = page.locator("ol.attempts > li");
      expect(await attempts.count()).toBe(2);
      const first = page.locator("#attempt-1");
      expect(await first.textContent()).toContain("HTTP 500");
      expect(await first.locator(".decision").textContent()).toContain("retry at");
      expect(await first.locator("table.headers").first().textContent()).toContain("webhook-signature");
      expect(await first.locator("pre.body").textContent()).toBe("upstream exploded");
      expect(await page.locator("#attempt-2 .decision").textContent()).toContain("retry schedule is spent");
      await shoot("delivery");
      expect(await fitsPhoneWidth()).toBe(true);

      // Retry queues it again: a third request reaches the receiver.
      await page.click('form[action$="/retry"] button');
      await page.waitForURL(`${daemon.url}/deliveries/${id}`);
      expect(await page.textContent(".flash.ok")).toContain("Queued again");
      await receiver.waitFor("/fail", 3);
    },
    T,
  );

  test(
    "the dashboard draws volume, failures and p95 latency from the data",
    async () => {
      // One real delivery that succeeds (test sends are left out of the stats).
      const sent = await daemon.api("POST", "/v1/events", { type: "message.delivered", data: { message_id: "msg_2" } });
      const okEndpoint = (await daemon.api("GET", "/v1/endpoints")).json.data.find((e: any) => e.url === `${receiver.url}/ok`);
      const ok = sent.json.deliveries.find((d: any) => d.endpoint_id === okEndpoint.id);
      await deliveryWhen(daemon, ok.id, (d) => d.status === "succeeded");
      await page.goto(`${daemon.url}/?window=1h`);
      const volume = page.locator("svg.chart.volume");
      expect(await volume.count()).toBe(1);
      expect(await volume.locator("rect.bar-ok").count()).toBeGreaterThan(0);
      expect(await volume.locator("rect.bar-fail").count()).toBeGreaterThan(0);
      expect(await page.locator("svg.chart.latency circle.dot").count()).toBeGreaterThan(0);
      expect(await page.textContent(".tiles")).toContain("Success rate");
      expect(await page.textContent("main")).toContain(`${receiver.url}/fail`);
      await shoot("dashboard");
      expect(await fitsPhoneWidth()).toBe(true);
    },
    T,
  );

  test(
    "a POST without the CSRF token, or from another origin, is refused and changes nothing",
    async () => {
      const form = { url: `${receiver.url}/csrf`, tenant: "default", all: "1" };
      const missing = await page.request.post(`${daemon.url}/webhooks`, { form, maxRedirects: 0 });
      expect(missing.status()).toBe(403);
      await page.goto(`${daemon.url}/webhooks`);
      const token = await page.inputValue("form#add input[name=_csrf]");
      const foreign = await page.request.post(`${daemon.url}/webhooks`, { form: { ...form, _csrf: token }, headers: { origin: "http://evil.example" }, maxRedirects: 0 });
      expect(foreign.status()).toBe(403);
      const urls = (await daemon.api("GET", "/v1/endpoints")).json.data.map((e: any) => e.url);
      expect(urls).not.toContain(`${receiver.url}/csrf`);
      // The cookie never opens the API.
      expect((await page.request.get(`${daemon.url}/v1/endpoints`)).status()).toBe(401);
    },
    T,
  );

  test(
    "logging out ends the session",
    async () => {
      await page.goto(`${daemon.url}/`);
      await page.click(".logout button");
      await page.waitForURL(`${daemon.url}/login`);
      await page.goto(`${daemon.url}/deliveries`);
      expect(new URL(page.url()).pathname).toBe("/login");
    },
    T,
  );
});
