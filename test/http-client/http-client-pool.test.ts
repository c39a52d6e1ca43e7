/**
 * The HTTP client's keep-alive pool and HTTP/1.1 framing against raw
 * receivers on loopback that count their connections: reuse, the
 * per-origin cap, chunked and read-until-close bodies, interim responses,
 * servers that close kept-alive connections, and no pipelining.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type net from "node:net";
import { IDLE_MS } from "../../src/http-client/connection-pool.ts";
import { createHttpClient, type SendResult } from "../../src/http-client/http-client.ts";
import { clientFixture } from "../helpers/client-fixture.ts";

const { client, hostile, request, cleanup } = clientFixture({ responseBodyLimit: 4096 });

const text = (r: SendResult) => Buffer.from(r.responseBody ?? new Uint8Array()).toString("latin1");
const ok = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

afterEach(cleanup);

describe("connection reuse", () => {
  test("200 sequential deliveries to one origin use one connection", async () => {
    const server = await hostile({ "/hook": (s) => s.write(ok) });
    const c = client();
    for (let i = 0; i < 200; i++) {
      const result = await c.send(request(`${server.url}/hook`));
      expect(result.error).toBeNull();
      expect(text(result)).toBe("ok");
    }
    expect(server.requests).toHaveLength(200);
    expect(server.accepted()).toBe(1);
  });

  test("64 concurrent deliveries to one origin open at most maxSocketsPerOrigin connections, and the next 64 reuse them", async () => {
    const server = await hostile({ "/slow": (s) => setTimeout(() => s.destroyed || s.write(ok), 20) });
    const c = client({ maxSocketsPerOrigin: 8 });
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(Array.from({ length: 64 }, () => c.send(request(`${server.url}/slow`))));
      expect(results.map((r) => r.error)).toEqual(Array(64).fill(null));
    }
    expect(server.accepted()).toBeLessThanOrEqual(8);
  });

  test("requests are never pipelined: a connection carries the next request only after the whole response", async () => {
    const outstanding = new Map<net.Socket, number>();
    let most = 0;
    const server = await hostile({
      "/slow": (s) => {
        const n = (outstanding.get(s) ?? 0) + 1;
        outstanding.set(s, n);
        most = Math.max(most, n);
        // Headers first, the body later: a pipelining client would send again in between.
        s.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n");
        setTimeout(() => {
          outstanding.set(s, outstanding.get(s)! - 1);
          if (!s.destroyed) s.write("ok");
        }, 15);
      },
    });
    const c = client({ maxSocketsPerOrigin: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, () => c.send(request(`${server.url}/slow`))));
    expect(results.every((r) => r.error === null && text(r) === "ok")).toBe(true);
    expect(server.accepted()).toBeLessThanOrEqual(2);
    expect(most).toBe(1);
  });

  test("close() closes idle connections", async () => {
    const server = await hostile({ "/hook": (s) => s.write(ok) });
    const c = createHttpClient({ allowPrivateNetworks: true });
    await c.send(request(`${server.url}/hook`));
    expect(server.open()).toBe(1);
    await c.close();
    expect(await server.allClosed(2_000)).toBe(true);
  });

  test(
    "an idle connection is closed after IDLE_MS, before a common 5 s server keep-alive timeout",
    async () => {
      const server = await hostile({ "/hook": (s) => s.write(ok) });
      const c = client();
      await c.send(request(`${server.url}/hook`));
      const idleSince = Date.now();
      expect(await server.allClosed(IDLE_MS + 3_000)).toBe(true);
      expect(Date.now() - idleSince).toBeGreaterThanOrEqual(IDLE_MS - 100);
      expect(IDLE_MS).toBeLessThan(5_000);
    },
    20_000,
  );
});

describe("connections the server ends", () => {
  test("a server closing an idle kept-alive connection: the next attempt succeeds on a new one", async () => {
    const server = await hostile({
      "/hook": (s) => {
        s.write(ok);
        setTimeout(() => s.end(), 30);
      },
    });
    const c = client();
    expect((await c.send(request(`${server.url}/hook`))).error).toBeNull();
    await Bun.sleep(150);
    const second = await c.send(request(`${server.url}/hook`));
    expect(second.error).toBeNull();
    expect(text(second)).toBe("ok");
    expect(server.accepted()).toBe(2);
  });

  test("a kept-alive connection the server drops just as it is reused: the attempt goes again on a fresh connection and succeeds", async () => {
    const served = new Map<net.Socket, number>();
    const server = await hostile({
      "/hook": (s) => {
        const n = (served.get(s) ?? 0) + 1;
        served.set(s, n);
        // The second request on a connection meets a server that already gave up on it.
        if (n === 1) s.write(ok);
        else s.destroy();
      },
    });
    const c = client();
    expect((await c.send(request(`${server.url}/hook`))).error).toBeNull();
    const second = await c.send(request(`${server.url}/hook`));
    expect(second.error).toBeNull();
    expect(text(second)).toBe("ok");
    expect(server.accepted()).toBe(2);
    expect(server.requests).toHaveLength(3);
  });

  test("a fresh connection dropped before any response is connection_reset: only reused connections are retried", async () => {
    const server = await hostile({ "/drop": (s) => s.destroy() });
    const result = await client().send(request(`${server.url}/drop`));
    expect(result.error?.code).toBe("connection_reset");
    expect(server.requests).toHaveLength(1);
  });

  test("connection: close is honoured: the connection is not reused, and the client closes it", async () => {
    const server = await hostile({ "/hook": (s) => s.write("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok") });
    const c = client();
    for (let i = 0; i < 3; i++) expect(text(await c.send(request(`${server.url}/hook`)))).toBe("ok");
    expect(server.accepted()).toBe(3);
    expect(await server.allClosed(2_000)).toBe(true);
  });

  test("an HTTP/1.0 response without keep-alive is not reused", async () => {
    const server = await hostile({ "/hook": (s) => s.write("HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok") });
    const c = client();
    for (let i = 0; i < 2; i++) expect(text(await c.send(request(`${server.url}/hook`)))).toBe("ok");
    expect(server.accepted()).toBe(2);
  });

  test("bytes after the end of a response (answering nothing asked) make the connection unusable", async () => {
    const server = await hostile({ "/hook": (s) => s.write(`${ok}HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nextra`) });
    const c = client();
    for (let i = 0; i < 2; i++) expect(text(await c.send(request(`${server.url}/hook`)))).toBe("ok");
    expect(server.accepted()).toBe(2);
  });
});

describe("framing", () => {
  test("a chunked body with chunk extensions and trailers is de-chunked, and the connection is reused", async () => {
    const server = await hostile({
      "/chunked": (s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; ext\r\n world\r\n0\r\nx-trailer: t\r\nx-more: u\r\n\r\n"),
    });
    const c = client();
    for (let i = 0; i < 3; i++) {
      const result = await c.send(request(`${server.url}/chunked`));
      expect(result.error).toBeNull();
      expect(text(result)).toBe("hello world");
      expect(result.responseHeaders?.["transfer-encoding"]).toBe("chunked");
    }
    expect(server.accepted()).toBe(1);
  });

  test("a malformed chunk size is connection_reset naming the chunked body", async () => {
    const server = await hostile({ "/bad": (s) => s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n") });
    const result = await client().send(request(`${server.url}/bad`));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.error?.message).toContain("chunk");
    expect(result.statusCode).toBe(200);
  });

  test("a body without a length is read until the server closes, and the connection is not reused", async () => {
    const server = await hostile({ "/close": (s) => s.end("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end") });
    const c = client();
    for (let i = 0; i < 2; i++) {
      const result = await c.send(request(`${server.url}/close`));
      expect(result.error).toBeNull();
      expect(text(result)).toBe("until the end");
    }
    expect(server.accepted()).toBe(2);
  });

  test("1xx interim responses are skipped and the connection stays reusable", async () => {
    const server = await hostile({ "/interim": (s) => s.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n${ok}`) });
    const c = client();
    for (let i = 0; i < 3; i++) {
      const result = await c.send(request(`${server.url}/interim`));
      expect(result.statusCode).toBe(200);
      expect(result.responseHeaders?.link).toBeUndefined();
    }
    expect(server.accepted()).toBe(1);
  });

  test("204 and 304 have no body even with a content-length, and the connection stays reusable", async () => {
    const server = await hostile({
      "/204": (s) => s.write("HTTP/1.1 204 No Content\r\n\r\n"),
      "/304": (s) => s.write("HTTP/1.1 304 Not Modified\r\ncontent-length: 10\r\n\r\n"),
    });
    const c = client();
    for (const path of ["/204", "/304", "/204"]) {
      const result = await c.send(request(`${server.url}${path}`));
      expect(result.error).toBeNull();
      expect(result.responseBody!.length).toBe(0);
    }
    expect(server.accepted()).toBe(1);
  });

  test("the request is a POST with host, content-length and connection: keep-alive, and no chunked encoding", async () => {
    const server = await hostile({});
    await client().send(request(`${server.url}/in?x=1`, { headers: { "Transfer-Encoding": "chunked", Connection: "close", "x-custom": "yes" } }));
    const seen = server.requests[0]!;
    expect(seen.method).toBe("POST");
    expect(seen.headers).toMatchObject({ host: `127.0.0.1:${server.port}`, connection: "keep-alive", "content-length": "14", "x-custom": "yes" });
    expect(seen.headers["transfer-encoding"]).toBeUndefined();
    expect(seen.body.toString()).toBe('{"id":"evt_1"}');
  });
});
