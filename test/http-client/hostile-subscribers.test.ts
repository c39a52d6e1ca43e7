/**
 * The HTTP client against subscribers that misbehave on purpose: silent,
 * trickling, endless, compressed, binary, badly certified and resetting
 * receivers, each a real server on loopback. Every test name states the
 * promise it holds the client to. Redirects and malformed heads are in
 * hostile-response-heads.test.ts.
 *
 * Network rule: every byte goes to 127.0.0.1 or ::1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { once } from "node:events";
import https from "node:https";
import net from "node:net";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import type { SendResult } from "../../src/http-client/http-client.ts";
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
