/**
 * The root logger keeps secrets out of log lines, whatever shape the logged
 * object has: keys that name a secret are censored at any depth and in any
 * case, and values that look like one of hookgate's secrets (whsec_…,
 * hgat_…, a Standard Webhooks signature, a Bearer credential) are censored
 * wherever they appear, messages and error stacks included.
 */
import { describe, expect, test } from "bun:test";
import { Writable } from "node:stream";
import { createLogger, flushThenExit, type Logger } from "../src/log.ts";

const SECRET = `whsec_${Buffer.alloc(32, 0x5a).toString("base64")}`;
const TOKEN = `hgat_${Buffer.alloc(32, 0xfb).toString("base64url")}`;
const CONFIGURED_TOKEN = "a-long-operator-chosen-admin-token-0123456789";
const V1_SIGNATURE = `v1,${Buffer.alloc(32, 0x11).toString("base64")}`;
const HEX_SIGNATURE = "3f".repeat(32);

/** A logger at trace writing into memory; `lines()` flushes and answers what it wrote. */
function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger("trace", destination);
  return { log, text: () => chunks.join("") };
}

const LEAKS = [SECRET, SECRET.slice("whsec_".length), TOKEN, CONFIGURED_TOKEN, V1_SIGNATURE.slice(3), HEX_SIGNATURE];

function expectNoLeak(text: string): void {
  expect(text.length).toBeGreaterThan(0);
  for (const leak of LEAKS) if (text.includes(leak)) throw new Error(`log line leaks ${leak}: ${text}`);
}

describe("createLogger redacts secrets", () => {
  test.each([
    ["a secret at the top", { secret: SECRET }],
    ["a secret one level down", { endpoint: { secret: SECRET } }],
    ["rotated-out secrets in a list", { secrets: { secret: SECRET, previous: [{ secret: SECRET, expires_at: "…" }] } }],
    ["a list of secrets", { secrets: [SECRET] }],
    ["the whole config", { config: { server: { admin_token: CONFIGURED_TOKEN }, callbacks: { secret: SECRET } } }],
    ["the server section", { server: { admin_token: CONFIGURED_TOKEN } }],
    ["an Authorization header in any case", { headers: { Authorization: `Bearer ${CONFIGURED_TOKEN}` } }],
    ["a request's headers deep down", { ctx: { req: { headers: { authorization: `Bearer ${TOKEN}` } } } }],
    ["an attempt's request headers with both signatures", { attempt: { request_headers: { "webhook-signature": V1_SIGNATURE, "X-Sakura-Signature": HEX_SIGNATURE } } }],
    ["a token under any name ending in token", { callbacks: { admin_token: TOKEN, refresh_token: TOKEN } }],
  ])("%s", (_name, object) => {
    const { log, text } = capture();
    log.info(object, "something happened");
    expectNoLeak(text());
    expect(text()).toContain("[redacted]");
  });

  test("secrets inside a message string, format arguments, an error message and its stack", () => {
    const { log, text } = capture();
    log.info(`rotated to ${SECRET}`);
    log.warn("token was %s", TOKEN);
    log.error({ err: new Error(`could not verify with ${SECRET} (Bearer ${CONFIGURED_TOKEN})`) }, "internal error");
    log.error(new Error(`signature ${V1_SIGNATURE} did not match`));
    expectNoLeak(text());
    expect(text().split("\n").filter(Boolean)).toHaveLength(4);
  });

  test("a child logger's bindings are redacted too", () => {
    const { log, text } = capture();
    log.child({ component: "x", token: TOKEN }).info("bound");
    expectNoLeak(text());
  });

  test("everything that is not a secret stays as it was", () => {
    const { log, text } = capture();
    const line = {
      endpoint_id: "ep_01KF0K8Y20KNKVCSTYPBW7QC4T",
      idempotency_key: "order-42",
      path: "/var/lib/hookgate/admin.token",
      url: "https://hooks.example.com/sms",
      status: 200,
      nested: { list: [1, "two", { three: 3 }], empty: {} },
      request_hash: "ab".repeat(32),
    };
    log.info(line, "fine");
    const written = JSON.parse(text());
    expect(written).toMatchObject({ ...line, msg: "fine", level: "info", service: "hookgate" });
  });

  test("a cycle in the logged object neither hangs nor throws", () => {
    const { log, text } = capture();
    const cyclic: Record<string, unknown> = { secret: SECRET };
    cyclic.self = cyclic;
    log.info({ cyclic }, "cycle");
    expectNoLeak(text());
  });
});

describe("flushThenExit", () => {
  test("exits once the log is flushed", async () => {
    const codes: number[] = [];
    flushThenExit({ flush: (cb: () => void) => cb() } as unknown as Logger, 0, (c) => codes.push(c));
    expect(codes).toEqual([0]);
  });

  test(
    "exits anyway when the flush never completes (a log reader that went away), and only once",
    async () => {
      const codes: number[] = [];
      flushThenExit({ flush: () => {} } as unknown as Logger, 1, (c) => codes.push(c));
      expect(codes).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (codes.length === 0 && Date.now() < deadline) await Bun.sleep(50);
      await Bun.sleep(100);
      expect(codes).toEqual([1]);
    },
    15_000,
  );
});
