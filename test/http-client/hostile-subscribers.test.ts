/**
 * The HTTP client against subscribers that misbehave on purpose: silent,
 * trickling, endless, compressed, binary, badly certified, resetting,
 * redirecting and header-flooding receivers, each a real server on loopback.
 * Every test name states the promise it holds the client to.
 *
 * Network rule: every byte goes to 127.0.0.1 or ::1. The one test that names
 * an address that must never be contacted (the cloud metadata service) first
 * proves, with loopback targets, that no redirect is followed at all; a
 * client that followed them fails there, before the metadata URL is served.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { once } from "node:events";
import https from "node:https";
import net from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { NOT_KEPT_KEY, RESPONSE_HEADER_VALUE_LIMIT, RESPONSE_HEADERS_LIMIT, type SendResult } from "../../src/http-client/http-client.ts";
import { classifyStatus } from "../../src/domain/outcome.ts";
import { clientFixture } from "../helpers/client-fixture.ts";
import { chunked, pump, trickle } from "../helpers/hostile-server.ts";
import { createTestPki, type KeyPair, type TestPki } from "../helpers/pki.ts";

/** The deadline of the tests that wait for one; long enough that a loaded machine still sees a few trickled bytes. */
const DEADLINE_MS = 1_000;
/** How late past the deadline an attempt may end and still count as "at the deadline": generous, this proves "no hang". */
const GRACE_MS = 2_000;
const LIMIT = 4096;
const MiB = 1024 * 1024;

const { client, hostile, request, servers, cleanup } = clientFixture({ responseBodyLimit: LIMIT });

const text = (r: SendResult) => Buffer.from(r.responseBody ?? new Uint8Array()).toString("latin1");

/** Holds an attempt that should end at its deadline to "not before, and not much after". */
function expectEndedAtDeadline(result: SendResult): void {
  expect(result.error?.code).toBe("timeout");
  expect(result.error?.message).toContain(`${DEADLINE_MS} ms`);
  expect(result.durationMs).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
  expect(result.durationMs).toBeLessThan(DEADLINE_MS + GRACE_MS);
}

afterEach(cleanup);

describe("silent and slow receivers", () => {
  test("a receiver that accepts the connection and never answers: timeout at the deadline, and the connection is dropped", async () => {
    const server = await hostile({ "/silent": () => {} });
    const result = await client().send(request(`${server.url}/silent`, { timeoutMs: DEADLINE_MS }));
    expectEndedAtDeadline(result);
    expect(result.statusCode).toBeNull();
    expect(result.responseBody).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(await server.allClosed()).toBe(true);
  });

  test("a receiver that trickles its headers one byte every 200 ms: timeout at the deadline, no status", async () => {
    const server = await hostile({
      "/slow-headers": (socket) => {
        socket.write("HTTP/1.1 200 OK\r\nx-slow: ");
        trickle(socket, "z", 200);
      },
    });
    const result = await client().send(request(`${server.url}/slow-headers`, { timeoutMs: DEADLINE_MS }));
    expectEndedAtDeadline(result);
    expect(result.statusCode).toBeNull();
    expect(await server.allClosed()).toBe(true);
  });

  test.each([
    ["a content-length within the limit", "content-length: 1000", "."],
    ["a content-length beyond the limit", "content-length: 100000", "."],
    ["chunked encoding", "transfer-encoding: chunked", "1\r\n.\r\n"],
    ["a body that ends at close", "connection: close", "."],
  ])("a body trickled one byte every 200 ms (%s): timeout at the deadline, keeping the status and the bytes that came", async (_name, framing, unit) => {
    const server = await hostile({
      "/trickle": (socket) => {
        socket.write(`HTTP/1.1 200 OK\r\n${framing}\r\n\r\n`);
        trickle(socket, unit, 200);
      },
    });
    const result = await client().send(request(`${server.url}/trickle`, { timeoutMs: DEADLINE_MS }));
    expectEndedAtDeadline(result);
    expect(result.error?.message).toContain("response body");
    expect(result.statusCode).toBe(200);
    // Bytes that arrived before the deadline are evidence for the log, whatever the framing.
    expect(text(result)).toMatch(/^\.+$/);
    expect(await server.allClosed()).toBe(true);
  });
});

describe("oversized and endless bodies", () => {
  const a = Buffer.alloc(64 * 1024, "a");
  const bodies: [string, string, (socket: net.Socket) => void][] = [
    ["20 MiB with a content-length", "content-length", (s) => pump(s, { chunk: a, total: 20 * MiB })],
    ["20 MiB chunked", "transfer-encoding: chunked", (s) => pump(s, { chunk: a, total: 20 * MiB, frame: chunked, trailer: "0\r\n\r\n" })],
    ["20 MiB ending at close", "connection: close", (s) => pump(s, { chunk: a, total: 20 * MiB })],
    ["an endless chunked body", "transfer-encoding: chunked", (s) => pump(s, { chunk: a, total: Infinity, frame: chunked })],
    ["an endless body that never closes", "connection: close", (s) => pump(s, { chunk: a, total: Infinity })],
  ];

  test.each(bodies)(
    "%s: 20 attempts each keep exactly response_body_limit bytes, drop the connection, and grow RSS by < 100 MB",
    async (_name, framing, send) => {
      const head = framing === "content-length" ? `content-length: ${20 * MiB}` : framing;
      const server = await hostile({
        "/big": (socket) => {
          socket.write(`HTTP/1.1 200 OK\r\n${head}\r\n\r\n`);
          send(socket);
        },
      });
      const c = client();
      Bun.gc(true);
      const before = process.memoryUsage().rss;
      let peak = before;
      for (let i = 0; i < 20; i++) {
        const result = await c.send(request(`${server.url}/big`));
        expect(result.error).toBeNull();
        expect(result.statusCode).toBe(200);
        expect(result.truncated).toBe(true);
        expect(result.responseBody!.length).toBe(LIMIT);
        expect(text(result)).toBe("a".repeat(LIMIT));
        expect(result.durationMs).toBeLessThan(5_000);
        // Sampled without a GC in between: a client that buffered whole bodies would show here.
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      expect((peak - before) / MiB).toBeLessThan(100);
      expect(server.accepted()).toBe(20);
      expect(await server.allClosed()).toBe(true);
    },
    60_000,
  );
});

describe("compressed bodies", () => {
  // 100 gzip members of 10 MiB of zeros each: a valid gzip stream of about 1 MB that inflates to 1000 MiB.
  const member = gzipSync(Buffer.alloc(10 * MiB), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 100 }, () => member));

  test.each([
    ["content-encoding: gzip with a content-length", `content-encoding: gzip\r\ncontent-length: ${bomb.length}`, bomb],
    ["content-encoding: gzip, chunked", "content-encoding: gzip\r\ntransfer-encoding: chunked", Buffer.concat([chunked(bomb), Buffer.from("0\r\n\r\n")])],
    ["transfer-encoding: gzip, chunked (a hop-by-hop coding)", "transfer-encoding: gzip, chunked", Buffer.concat([chunked(bomb), Buffer.from("0\r\n\r\n")])],
  ])("a gzip bomb (%s) is kept as its raw compressed bytes, cut at the limit, never inflated", async (_name, head, wire) => {
    const server = await hostile({ "/bomb": (socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\n${head}\r\n\r\n`), wire])) });
    const c = client();

    const cut = await c.send(request(`${server.url}/bomb`));
    expect(cut.error).toBeNull();
    expect(cut.truncated).toBe(true);
    expect(Buffer.from(cut.responseBody!).equals(bomb.subarray(0, LIMIT))).toBe(true);

    // With room for all of it, what is kept is the ~1 MB on the wire, not the 1000 MiB it stands for.
    const whole = await c.send(request(`${server.url}/bomb`, { responseBodyLimit: 2 * MiB }));
    expect(whole.error).toBeNull();
    expect(whole.truncated).toBe(false);
    expect(whole.responseBody!.length).toBe(bomb.length);
    expect(Buffer.from(whole.responseBody!).equals(bomb)).toBe(true);

    expect(server.requests.map((r) => r.headers["accept-encoding"])).toEqual(["identity", "identity"]);
  });

  test.each([
    ["deflate", deflateSync(Buffer.alloc(MiB))],
    ["br", brotliCompressSync(Buffer.alloc(MiB))],
  ])("a %s body is kept raw, exactly as sent", async (encoding, packed) => {
    const server = await hostile({
      "/packed": (socket) => socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-encoding: ${encoding}\r\ncontent-length: ${packed.length}\r\n\r\n`), packed])),
    });
    const result = await client().send(request(`${server.url}/packed`, { responseBodyLimit: MiB }));
    expect(result.responseHeaders?.["content-encoding"]).toBe(encoding);
    expect(Buffer.from(result.responseBody!).equals(packed)).toBe(true);
  });
});

describe("bytes that are not text", () => {
  const binary = Buffer.from([
    0xff, 0xfe, 0x00, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xed, 0xa0, 0x80, 0xc0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80,
    ...Array.from({ length: 256 }, (_, i) => i),
    0xf0, 0x9f, 0x98, // an emoji cut short
  ]);

  test.each([
    ["a content-length", (s: net.Socket) => s.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${binary.length}\r\n\r\n`), binary]))],
    ["chunks that split multi-byte sequences", (s: net.Socket) => {
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
      for (let at = 0; at < binary.length; at += 3) s.write(chunked(binary.subarray(at, at + 3)));
      s.write("0\r\n\r\n");
    }],
    ["a body that ends at close", (s: net.Socket) => s.end(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n"), binary]))],
  ])("invalid UTF-8 and binary bytes come back exactly (%s)", async (_name, behaviour) => {
    const server = await hostile({ "/binary": behaviour });
    const result = await client().send(request(`${server.url}/binary`));
    expect(result.error).toBeNull();
    expect(result.truncated).toBe(false);
    expect(Buffer.from(result.responseBody!).equals(binary)).toBe(true);
  });

  test("UTF-8 with emoji, a byte-order mark and NULs comes back as exactly those bytes", async () => {
    const body = Buffer.from("\uFEFFHabari 😀🇹🇿 ü\u0000end\u0000", "utf8");
    const server = await hostile({ "/text": (s) => s.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`), body])) });
    const result = await client().send(request(`${server.url}/text`));
    expect(Buffer.from(result.responseBody!).equals(body)).toBe(true);
  });
});

describe("certificates", () => {
  let pki: TestPki;
  beforeAll(() => (pki = createTestPki()));
  afterAll(() => pki.cleanup());

  async function tlsReceiver(pair: KeyPair) {
    let requests = 0;
    const server = https.createServer(pair, (req, res) => {
      requests++;
      req.resume();
      req.on("end", () => res.end("secure ok"));
    });
    // The client hangs up mid-handshake on a certificate it refuses; that is the point of these tests.
    server.on("tlsClientError", () => {});
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`, requests: () => requests };
  }

  test("a certificate from the trusted CA for 127.0.0.1 is accepted (the control for the refusals below)", async () => {
    const server = await tlsReceiver(pki.valid);
    const result = await client({ ca: pki.ca }).send(request(server.url));
    expect(result.error).toBeNull();
    expect(text(result)).toBe("secure ok");
  });

  test.each([
    ["self-signed", "selfSigned", "self signed"],
    ["expired", "expired", "CERT_HAS_EXPIRED"],
    ["not yet valid", "notYetValid", "CERT_NOT_YET_VALID"],
  ] as const)("a %s certificate fails as tls, and no request is sent", async (_name, which, reason) => {
    const server = await tlsReceiver(pki[which]);
    const result = await client({ ca: pki.ca }).send(request(server.url));
    expect(result.error?.code).toBe("tls");
    expect(result.error?.message).toContain(reason);
    expect(result.statusCode).toBeNull();
    expect(server.requests()).toBe(0);
  });
});

describe("connections that break off", () => {
  const cuts: [string, (s: net.Socket) => void][] = [
    ["a reset (RST)", (s) => s.resetAndDestroy()],
    ["a close (FIN)", (s) => s.end()],
  ];
  const framings = [
    ["a content-length within the limit", "content-length: 1000\r\n\r\npartial"],
    ["a content-length beyond the limit", "content-length: 100000\r\n\r\npartial"],
    ["chunked encoding", "transfer-encoding: chunked\r\n\r\n7\r\npartial\r\n"],
  ];

  test.each(cuts.flatMap(([cut, act]) => framings.map(([framing, rest]) => [cut, framing, rest, act] as const)))(
    "%s after part of the body (%s): connection_reset, keeping the status and the partial body",
    async (_cut, _framing, rest, act) => {
      const server = await hostile({
        "/cut": (socket) => {
          socket.write(`HTTP/1.1 200 OK\r\n${rest}`);
          setTimeout(() => act(socket), 50);
        },
      });
      const result = await client().send(request(`${server.url}/cut`));
      expect(result.error?.code).toBe("connection_reset");
      expect(result.error?.message).toContain("while reading the response body");
      expect(result.statusCode).toBe(200);
      expect(text(result)).toBe("partial");
    },
  );

  test.each([
    ["before any response byte", ""],
    ["in the middle of the headers", "HTTP/1.1 200 OK\r\nx-half: abc"],
  ])("a reset %s: connection_reset, no status", async (_name, sent) => {
    const server = await hostile({
      "/cut": (socket) => {
        if (sent !== "") socket.write(sent);
        setTimeout(() => socket.resetAndDestroy(), 50);
      },
    });
    const result = await client().send(request(`${server.url}/cut`));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.statusCode).toBeNull();
    expect(result.responseBody).toBeNull();
  });
});

describe("redirects", () => {
  /** A server on every loopback address (dual stack) that counts the connections it accepts. */
  async function countingServer() {
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      socket.on("error", () => socket.destroy()); // it only counts; a dropped connection is not this test's concern
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"));
    });
    server.listen(0, "::");
    await once(server, "listening");
    servers.push(server);
    return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
  }

  test("a 3xx is returned as is, classified redirect, and never followed: internal Location targets, the metadata address included, receive nothing", async () => {
    const target = await countingServer();
    let location = "";
    const server = await hostile({
      "/moved": (socket, req) => socket.write(`HTTP/1.1 ${req.headers["x-status"]} Moved\r\nlocation: ${location}\r\ncontent-length: 0\r\n\r\n`),
    });
    const c = client();
    const redirectOnce = async (status: number, to: string) => {
      location = to;
      const result = await c.send(request(`${server.url}/moved`, { headers: { "x-status": String(status) } }));
      expect(result.error).toBeNull();
      expect(result.statusCode).toBe(status);
      expect(result.responseHeaders?.location).toBe(to);
      expect(classifyStatus(result.statusCode!)).toEqual({ ok: false, error: "redirect", gone: false });
    };

    const loopbackTargets = [`http://127.0.0.1:${target.port}/internal`, `http://localhost:${target.port}/internal`, `http://[::1]:${target.port}/internal`, "/moved-again"];
    for (const status of [301, 302, 303, 307, 308]) for (const to of loopbackTargets) await redirectOnce(status, to);
    await Bun.sleep(100); // room for a stray follow-up connection to show before counting
    expect(target.accepted()).toBe(0);
    expect(server.requests.map((r) => r.path)).toEqual(Array(20).fill("/moved"));
  });
});

describe("headers and status lines", () => {
  /** A server answering 200 "ok" with the given header block on /h. */
  const withHeaders = (block: string | Buffer) =>
    hostile({
      "/h": (socket) => socket.write(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n"), typeof block === "string" ? Buffer.from(block, "latin1") : block, Buffer.from("\r\n\r\nok")])),
    });

  test("250 response headers are all recorded", async () => {
    const server = await withHeaders(Array.from({ length: 250 }, (_, i) => `x-h-${i}: value-${i}`).join("\r\n"));
    const result = await client().send(request(`${server.url}/h`));
    expect(result.error).toBeNull();
    expect(Object.keys(result.responseHeaders!)).toHaveLength(251);
    for (let i = 0; i < 250; i++) expect(result.responseHeaders![`x-h-${i}`]).toBe(`value-${i}`);
  });

  test("500 response headers: no crash; a connection_reset whose message names the cause (Bun's client reads at most 256 header lines)", async () => {
    const server = await withHeaders(Array.from({ length: 500 }, (_, i) => `x-h-${i}: value-${i}`).join("\r\n"));
    const result = await client().send(request(`${server.url}/h`));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.error?.message).toContain("more than 256 header lines");
    expect(result.statusCode).toBeNull();
  });

  // Well below the ~1.3 MB of headers Bun's client accepts at most (that limit varies with how the bytes arrive).
  test("a 512 KiB header and dozens of 8 KiB ones are recorded within RESPONSE_HEADERS_LIMIT, values cut and the rest counted, a later short header still kept", async () => {
    const block = [
      `x-huge: ${"h".repeat(512 * 1024)}`,
      ...Array.from({ length: 30 }, (_, i) => `x-big-${i}: ${"b".repeat(8192)}`),
      "retry-after: 120",
      "zz-last: kept",
    ].join("\r\n");
    const server = await withHeaders(block);
    const result = await client().send(request(`${server.url}/h`));
    expect(result.error).toBeNull();
    const headers = result.responseHeaders!;
    const kept = Object.entries(headers).filter(([name]) => name !== NOT_KEPT_KEY);
    expect(kept.reduce((n, [name, value]) => n + name.length + value.length, 0)).toBeLessThanOrEqual(RESPONSE_HEADERS_LIMIT);
    for (const [, value] of kept) expect(value.length).toBeLessThanOrEqual(RESPONSE_HEADER_VALUE_LIMIT + 40);
    expect(headers["x-big-0"]).toStartWith("b".repeat(RESPONSE_HEADER_VALUE_LIMIT));
    expect(headers["x-big-0"]).toEndWith(`…[${8192 - RESPONSE_HEADER_VALUE_LIMIT} more bytes not kept]`);
    expect(headers["retry-after"]).toBe("120");
    expect(headers["zz-last"]).toBe("kept");
    expect(headers[NOT_KEPT_KEY]).toMatch(/^\d+ more headers, \d+ bytes: /);
    expect(JSON.stringify(headers).length).toBeLessThan(RESPONSE_HEADERS_LIMIT + 2_000);
  });

  test("an endless stream of header lines ends at once as connection_reset, and the connection is dropped", async () => {
    const line = Buffer.from(`x-flood: ${"f".repeat(1000)}\r\n`);
    const server = await hostile({
      "/flood": (socket) => {
        socket.write("HTTP/1.1 200 OK\r\n");
        pump(socket, { chunk: line, total: Infinity });
      },
    });
    const result = await client().send(request(`${server.url}/flood`));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.statusCode).toBeNull();
    expect(result.durationMs).toBeLessThan(5_000);
    expect(await server.allClosed()).toBe(true);
  });

  test("headers named constructor and __proto__ are recorded as sent, not confused with Object.prototype", async () => {
    const server = await withHeaders("constructor: c-value\r\n__proto__: p-value\r\nx-after: a");
    const result = await client().send(request(`${server.url}/h`));
    const headers = result.responseHeaders!;
    expect(Object.getOwnPropertyDescriptor(headers, "constructor")?.value).toBe("c-value");
    expect(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value).toBe("p-value");
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(headers))).toMatchObject({ "x-after": "a" });
    expect(JSON.stringify(headers)).toContain('"__proto__":"p-value"');
  });

  test("header values with bytes 0x80-0xff are recorded as Latin-1 text, no crash", async () => {
    const server = await withHeaders(Buffer.from("x-latin: caf\xe9 \xff\xfe", "latin1"));
    const result = await client().send(request(`${server.url}/h`));
    expect(result.error).toBeNull();
    expect(result.responseHeaders?.["x-latin"]).toBe("café ÿþ");
  });

  test.each([
    ["HTTP/1.1 299 Odd", 299, "success"],
    ["HTTP/1.1 299", 299, "success"],
    ["HTTP/1.1 599 Odd", 599, "http_status"],
    ["HTTP/1.1 600 Beyond", 600, "http_status"],
    ["HTTP/1.1 999 Beyond", 999, "http_status"],
    ["HTTP/1.1 000 Zero", 0, "http_status"],
    ["HTTP/1.0 200 OK", 200, "success"],
    ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created", 201, "success"],
    ["HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 202 Accepted", 202, "success"],
    ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy", 503, "http_status"],
  ])("status line %j is recorded as %d and classified %s", async (statusLine, code, outcome) => {
    const server = await hostile({ "/s": (socket) => socket.write(`${statusLine}\r\ncontent-length: 2\r\n\r\nok`) });
    const result = await client().send(request(`${server.url}/s`));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(code);
    expect(text(result)).toBe("ok");
    const classified = classifyStatus(code);
    expect(classified.ok ? "success" : classified.error).toBe(outcome);
  });

  test.each([
    ["HTTP/1.1 1000 Big", "not valid HTTP/1.1"],
    ["HTTP/1.1 abc Letters", "not valid HTTP/1.1"],
    ["HTTP/2.0 200 OK", "not valid HTTP/1.1"],
    ["SSH-2.0-OpenSSH_9.6", "not valid HTTP/1.1"],
    ["HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade", "switched protocols"],
  ])("an unusable status line %j: connection_reset with a message saying why, no status", async (statusLine, why) => {
    const server = await hostile({ "/s": (socket) => socket.write(`${statusLine}\r\ncontent-length: 2\r\n\r\nok`) });
    const result = await client().send(request(`${server.url}/s`));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.error?.message).toContain(why);
    expect(result.statusCode).toBeNull();
  });
});
