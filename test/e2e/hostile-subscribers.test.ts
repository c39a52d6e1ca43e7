/**
 * Hostile subscribers end to end: the real daemon delivers to receivers on
 * loopback that misbehave on purpose, and the delivery log (GET
 * /v1/deliveries/:id) must show what happened, exactly and bounded. One
 * attempt per delivery (retry_schedule = []), a 2 s deadline, the default
 * 4 KiB response_body_limit. The daemon trusts the test CA through
 * NODE_EXTRA_CA_CERTS, so a certificate is refused for what is wrong with it
 * (expired, self-signed), not merely for coming from an unknown CA.
 *
 * Network rule: every delivery goes to 127.0.0.1 or localhost. The metadata
 * address appears only as a Location header, served after loopback Location
 * targets proved that the daemon follows no redirect.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { gzipSync } from "node:zlib";
import { cleanupDaemons, startDaemon, type Daemon } from "../helpers/daemon.ts";
import { chunked, pump, startHostileServer, trickle, type HostileServer } from "../helpers/hostile-server.ts";
import { createTestPki, type KeyPair, type TestPki } from "../helpers/pki.ts";

const T = 60_000; // per-test bound; the waits inside are tighter
const DEADLINE_MS = 2_000;
const LIMIT = 4096;
const MiB = 1024 * 1024;

const CONFIG = `
[delivery]
require_https = false
allow_private_networks = true
retry_schedule = []
timeout = "2s"
`;

const binary = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xed, 0xa0, 0x80, 0xc0, 0x80, ...Array.from({ length: 256 }, (_, i) => i), 0xf0, 0x9f]);
const emoji = Buffer.from("Habari 😀🇹🇿 ü — asante", "utf8");
const bomb = Buffer.concat(Array.from({ length: 10 }, () => gzipSync(Buffer.alloc(10 * MiB), { level: 9 }))); // ~100 KB that inflates to 100 MiB
const a64k = Buffer.alloc(64 * 1024, "a");

const respond = (socket: net.Socket, head: string, body: Buffer | string = "") =>
  socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 ${head}\r\n\r\n`), Buffer.from(body)]));

let daemon: Daemon;
let pki: TestPki;
let receiver: HostileServer;
let internal: { port: number; accepted: () => number; close(): void };
let redirectTo = "";
const tlsServers: https.Server[] = [];

beforeAll(async () => {
  pki = createTestPki();
  receiver = await startHostileServer({
    "/binary": (s) => respond(s, `200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${binary.length}`, binary),
    "/emoji": (s) => respond(s, `200 OK\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${emoji.length}`, emoji),
    "/silent": () => {},
    "/trickle": (s) => {
      respond(s, "200 OK\r\ncontent-length: 1000");
      trickle(s, ".", 200);
    },
    "/big": (s) => {
      respond(s, `200 OK\r\ncontent-length: ${20 * MiB}`);
      pump(s, { chunk: a64k, total: 20 * MiB });
    },
    "/endless": (s) => {
      respond(s, "200 OK\r\ntransfer-encoding: chunked");
      pump(s, { chunk: a64k, total: Infinity, frame: chunked });
    },
    "/bomb": (s) => respond(s, `200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${bomb.length}`, bomb),
    "/reset": (s) => {
      respond(s, "200 OK\r\ncontent-length: 1000", "partial");
      setTimeout(() => s.resetAndDestroy(), 50);
    },
    "/redirect": (s) => respond(s, `302 Found\r\nlocation: ${redirectTo}\r\ncontent-length: 0`),
    "/many-headers": (s) => respond(s, `200 OK\r\ncontent-length: 2\r\n${Array.from({ length: 250 }, (_, i) => `x-h-${i}: value-${i}`).join("\r\n")}`, "ok"),
    "/huge-header": (s) => respond(s, `200 OK\r\ncontent-length: 2\r\nx-huge: ${"h".repeat(512 * 1024)}\r\nconstructor: c-value\r\n__proto__: p-value\r\nretry-after: 5`, "ok"),
    "/status-299": (s) => respond(s, "299 Odd But Fine\r\ncontent-length: 2", "ok"),
    "/status-599": (s) => respond(s, "599 Network Connect Timeout\r\ncontent-length: 4", "oops"),
  });
  internal = await countingServer();
  daemon = await startDaemon({ config: CONFIG, env: { NODE_EXTRA_CA_CERTS: pki.caFile } });
}, T);

afterAll(async () => {
  await cleanupDaemons();
  receiver?.close();
  internal?.close();
  for (const s of tlsServers) s.close();
  pki?.cleanup();
});

/** A server on every loopback address (dual stack) that only counts connections. */
async function countingServer() {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.on("error", () => socket.destroy()); // it only counts; a dropped connection is not this test's concern
    socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"));
  });
  server.listen(0, "::");
  await once(server, "listening");
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted, close: () => server.close() };
}

async function tlsReceiver(pair: KeyPair) {
  let requests = 0;
  const server = https.createServer(pair, (req, res) => {
    requests++;
    req.resume();
    req.on("end", () => res.end("secure ok"));
  });
  // The daemon hangs up mid-handshake on a certificate it refuses; that is what these tests expect.
  server.on("tlsClientError", () => {});
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  tlsServers.push(server);
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`, requests: () => requests };
}

let tenants = 0;

/** Creates an endpoint for `url` in a tenant of its own and sends `count` events to it; answers the delivery ids. */
async function deliverTo(url: string, count = 1): Promise<string[]> {
  const tenant = `hostile-${++tenants}`;
  const ep = await daemon.api("POST", "/v1/endpoints", { url, tenant });
  expect(ep.status).toBe(201);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await daemon.api("POST", "/v1/events", { type: "message.delivered", tenant, data: { message_id: `msg_${i}` } });
    expect(r.status).toBe(202);
    ids.push(r.json.deliveries[0].id);
  }
  return ids;
}

/** Polls a delivery until its one attempt is recorded and it is final; bounded. */
async function finished(id: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await daemon.api("GET", `/v1/deliveries/${id}`);
    if (r.json.status !== "pending") return r.json;
    if (Date.now() > deadline) throw new Error(`delivery ${id} still pending after ${timeoutMs} ms: ${JSON.stringify(r.json)}`);
    await Bun.sleep(50);
  }
}

/** The one attempt of a finished delivery. */
async function onlyAttempt(id: string): Promise<any> {
  const delivery = await finished(id);
  expect(delivery.attempts).toHaveLength(1);
  return { delivery, attempt: delivery.attempts[0] };
}

/** Resident memory of a process in bytes: /proc where there is one, else ps. */
function rssOf(pid: number): number {
  const status = `/proc/${pid}/status`;
  if (existsSync(status)) return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(status, "utf8"))![1]) * 1024;
  const ps = Bun.spawnSync(["ps", "-o", "rss=", "-p", String(pid)], { stdout: "pipe" });
  return Number(ps.stdout.toString().trim()) * 1024;
}

describe("bodies in the delivery log", () => {
  test("a binary, invalid-UTF-8 body is stored as its exact bytes: the view says base64, which decodes to them", async () => {
    const [id] = await deliverTo(`${receiver.url}/binary`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(delivery.status).toBe("succeeded");
    expect(attempt.response_body_encoding).toBe("base64");
    expect(Buffer.from(attempt.response_body, "base64").equals(binary)).toBe(true);
    expect(attempt.response_truncated).toBe(false);
  }, T);

  test("a UTF-8 body with emoji is shown as utf8 text, byte for byte", async () => {
    const [id] = await deliverTo(`${receiver.url}/emoji`);
    const { attempt } = await onlyAttempt(id!);
    expect(attempt.response_body_encoding).toBe("utf8");
    expect(Buffer.from(attempt.response_body, "utf8").equals(emoji)).toBe(true);
  }, T);

  test("a gzip bomb is stored as the raw compressed bytes cut at response_body_limit, never inflated", async () => {
    const [id] = await deliverTo(`${receiver.url}/bomb`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(delivery.status).toBe("succeeded");
    expect(attempt.response_headers["content-encoding"]).toBe("gzip");
    expect(attempt.response_body_encoding).toBe("base64");
    expect(Buffer.from(attempt.response_body, "base64").equals(bomb.subarray(0, LIMIT))).toBe(true);
    expect(attempt.response_truncated).toBe(true);
    expect(receiver.requests.filter((r) => r.path === "/bomb").map((r) => r.headers["accept-encoding"])).toEqual(["identity"]);
  }, T);

  test("20 MiB bodies and endless bodies: each stored cut at response_body_limit, and the daemon's RSS grows < 100 MB over 20 of each", async () => {
    const pid = daemon.proc.pid;
    const before = rssOf(pid);
    let peak = before;
    const ids = [...(await deliverTo(`${receiver.url}/big`, 20)), ...(await deliverTo(`${receiver.url}/endless`, 20))];
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 25);
    try {
      for (const id of ids) {
        const { delivery, attempt } = await onlyAttempt(id);
        expect(delivery.status).toBe("succeeded");
        expect(attempt.status_code).toBe(200);
        expect(attempt.response_truncated).toBe(true);
        expect(attempt.response_body).toBe("a".repeat(LIMIT));
      }
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssOf(pid));
    expect((peak - before) / MiB).toBeLessThan(100);
  }, T);
});

describe("receivers that stall or break off", () => {
  test("a receiver that never answers: error timeout at the 2 s deadline, no status; the delivery fails with last_error timeout", async () => {
    const [id] = await deliverTo(`${receiver.url}/silent`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(attempt.error).toBe("timeout");
    expect(attempt.status_code).toBeNull();
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(attempt.duration_ms).toBeLessThan(DEADLINE_MS + 3_000);
    expect(delivery.status).toBe("failed");
    expect(delivery.last_error).toBe("timeout");
  }, T);

  test("a body trickled one byte every 200 ms: error timeout at the deadline, with the status and the bytes that came", async () => {
    const [id] = await deliverTo(`${receiver.url}/trickle`);
    const { attempt } = await onlyAttempt(id!);
    expect(attempt.error).toBe("timeout");
    expect(attempt.status_code).toBe(200);
    expect(attempt.response_body).toMatch(/^\.+$/);
    expect(attempt.duration_ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(attempt.duration_ms).toBeLessThan(DEADLINE_MS + 3_000);
  }, T);

  test("a reset in the middle of the body: error connection_reset, with the status and the partial body", async () => {
    const [id] = await deliverTo(`${receiver.url}/reset`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(attempt.error).toBe("connection_reset");
    expect(attempt.status_code).toBe(200);
    expect(attempt.response_body).toBe("partial");
    expect(delivery.last_error).toBe("connection_reset");
  }, T);
});

describe("certificates", () => {
  test("a certificate signed by a trusted CA succeeds (the control); self-signed and expired ones fail with error tls and reach no handler", async () => {
    const valid = await tlsReceiver(pki.valid);
    const selfSigned = await tlsReceiver(pki.selfSigned);
    const expired = await tlsReceiver(pki.expired);

    const [okId] = await deliverTo(valid.url);
    const ok = await onlyAttempt(okId!);
    expect(ok.attempt.error).toBeNull();
    expect(ok.attempt.response_body).toBe("secure ok");

    for (const server of [selfSigned, expired]) {
      const [id] = await deliverTo(server.url);
      const { delivery, attempt } = await onlyAttempt(id!);
      expect(attempt.error).toBe("tls");
      expect(attempt.status_code).toBeNull();
      expect(delivery.last_error).toBe("tls");
      expect(server.requests()).toBe(0);
    }
  }, T);
});

describe("redirects", () => {
  test("a 302 to an internal address fails as redirect with the Location recorded; the internal server gets nothing", async () => {
    for (const to of [`http://127.0.0.1:${internal.port}/admin`, `http://localhost:${internal.port}/admin`]) {
      redirectTo = to;
      const [id] = await deliverTo(`${receiver.url}/redirect`);
      const { delivery, attempt } = await onlyAttempt(id!);
      expect(attempt.error).toBe("redirect");
      expect(attempt.status_code).toBe(302);
      expect(attempt.response_headers.location).toBe(to);
      expect(delivery.status).toBe("failed");
    }
    await Bun.sleep(100); // room for a stray follow-up connection to show before counting
    expect(internal.accepted()).toBe(0);
  }, T);
});

describe("headers and status lines", () => {
  test("250 response headers are all stored and shown", async () => {
    const [id] = await deliverTo(`${receiver.url}/many-headers`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(delivery.status).toBe("succeeded");
    for (let i = 0; i < 250; i++) expect(attempt.response_headers[`x-h-${i}`]).toBe(`value-${i}`);
  }, T);

  test("a 512 KiB header is stored cut, the log stays small, and headers named __proto__ and constructor survive storage", async () => {
    const [id] = await deliverTo(`${receiver.url}/huge-header`);
    const { delivery, attempt } = await onlyAttempt(id!);
    expect(delivery.status).toBe("succeeded");
    expect(attempt.response_headers["x-huge"]).toMatch(/^h+…\[\d+ more bytes not kept\]$/);
    expect(attempt.response_headers["retry-after"]).toBe("5");
    expect(Object.getOwnPropertyDescriptor(attempt.response_headers, "constructor")?.value).toBe("c-value");
    expect(Object.getOwnPropertyDescriptor(attempt.response_headers, "__proto__")?.value).toBe("p-value");
    expect(JSON.stringify(delivery).length).toBeLessThan(32 * 1024);
  }, T);

  test("status 299 succeeds and status 599 fails as http_status, both recorded as sent", async () => {
    const [okId] = await deliverTo(`${receiver.url}/status-299`);
    const ok = await onlyAttempt(okId!);
    expect([ok.delivery.status, ok.attempt.status_code, ok.attempt.error]).toEqual(["succeeded", 299, null]);

    const [badId] = await deliverTo(`${receiver.url}/status-599`);
    const bad = await onlyAttempt(badId!);
    expect([bad.delivery.status, bad.attempt.status_code, bad.attempt.error, bad.attempt.response_body]).toEqual(["failed", 599, "http_status", "oops"]);
    expect(bad.delivery.last_error).toBe("HTTP 599");
  }, T);
});
