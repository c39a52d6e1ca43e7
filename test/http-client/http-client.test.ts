/**
 * The HTTP client against well-behaved and plainly broken receivers on
 * loopback: what a successful attempt returns, the body limit, the one
 * deadline, transport errors, reuse and close. TLS is in
 * http-client-tls.test.ts, deliberate misbehaviour in hostile-*.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { once } from "node:events";
import net from "node:net";
import { createHttpClient, type Resolver } from "../../src/http-client/http-client.ts";
import { clientFixture, waitFor } from "../helpers/client-fixture.ts";

const { client, receiver, tcpServer, request, cleanup } = clientFixture({ responseBodyLimit: 4096 });

afterEach(cleanup);

describe("successful attempts", () => {
  test("returns the status, headers and body of a 2xx", async () => {
    const r = receiver(() => new Response("hello receiver", { status: 201, headers: { "x-reply": "yes" } }));
    const result = await client().send(request(`${r.url}/hook`));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(201);
    expect(result.responseHeaders?.["x-reply"]).toBe("yes");
    expect(new TextDecoder().decode(result.responseBody!)).toBe("hello receiver");
    expect(result.truncated).toBe(false);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  test("POSTs exactly the body bytes, to the path and query of the URL", async () => {
    const r = receiver();
    const body = '{"text":"Habari ü 😀","n":1}';
    await client().send(request(`${r.url}/in/hooks?x=1&y=%20`, { body }));
    expect(r.seen).toHaveLength(1);
    expect(r.seen[0]!.method).toBe("POST");
    expect(new URL(r.seen[0]!.url).pathname + new URL(r.seen[0]!.url).search).toBe("/in/hooks?x=1&y=%20");
    expect(Buffer.from(r.seen[0]!.body).equals(Buffer.from(body, "utf8"))).toBe(true);
    expect(r.seen[0]!.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));
  });

  test("sends the given headers, the URL's host, and accept-encoding: identity", async () => {
    const r = receiver();
    const headers = { "content-type": "application/json", "webhook-id": "evt_1", "x-webhook-signature": "abc", "user-agent": "hookgate/test", "Accept-Encoding": "gzip", Host: "evil.test", "Content-Length": "1" };
    const sent = request(r.url, { headers });
    await client().send(sent);
    const got = r.seen[0]!.headers;
    expect(got.get("webhook-id")).toBe("evt_1");
    expect(got.get("x-webhook-signature")).toBe("abc");
    expect(got.get("user-agent")).toBe("hookgate/test");
    expect(got.get("accept-encoding")).toBe("identity");
    expect(got.get("host")).toBe(`127.0.0.1:${r.port}`);
    expect(got.get("content-length")).toBe(String(Buffer.byteLength(sent.body)));
  });

  test("returns a 302 without following it; the Location target receives nothing", async () => {
    const target = receiver();
    const r = receiver(() => new Response(null, { status: 302, headers: { location: `${target.url}/elsewhere` } }));
    const result = await client().send(request(r.url));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(302);
    expect(result.responseHeaders?.location).toBe(`${target.url}/elsewhere`);
    expect(target.seen).toHaveLength(0);
  });

  test("returns a binary, invalid-UTF-8 body as the exact bytes", async () => {
    const bytes = new Uint8Array([...Array(256).keys(), 0xc3, 0x28, 0xff, 0xfe, 0x00]);
    const r = receiver(() => new Response(bytes, { headers: { "content-type": "application/octet-stream" } }));
    const result = await client().send(request(r.url));
    expect(Buffer.from(result.responseBody!).equals(Buffer.from(bytes))).toBe(true);
    expect(result.truncated).toBe(false);
  });

  test("returns a compressed body raw instead of expanding it", async () => {
    const packed = Bun.gzipSync(new Uint8Array(1_000_000));
    const r = receiver(() => new Response(packed, { headers: { "content-encoding": "gzip" } }));
    const result = await client().send(request(r.url, { responseBodyLimit: 1_000_000 }));
    expect(result.responseBody!.length).toBe(packed.length);
  });

  test("an empty body is an empty array, not truncated", async () => {
    const r = receiver(() => new Response(null, { status: 204 }));
    const result = await client().send(request(r.url));
    expect(result.statusCode).toBe(204);
    expect(result.responseBody!.length).toBe(0);
    expect(result.truncated).toBe(false);
  });
});

describe("response body limit", () => {
  test("keeps only the first bytes of a 20 MiB body and stops reading", async () => {
    const big = new Uint8Array(20 * 1024 * 1024).fill(97);
    const r = receiver(() => new Response(big));
    const started = Date.now();
    const result = await client().send(request(r.url, { responseBodyLimit: 4096 }));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(result.truncated).toBe(true);
    expect(result.responseBody!.length).toBe(4096);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test("stops an endless body at the limit and drops the connection", async () => {
    const chunk = `4000\r\n${"z".repeat(0x4000)}\r\n`;
    const server = await tcpServer((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        const pump = () => {
          while (!socket.destroyed && socket.write(chunk));
          if (!socket.destroyed) socket.once("drain", pump);
        };
        pump();
      });
    });
    const result = await client().send(request(server.url, { responseBodyLimit: 1000 }));
    expect(result.truncated).toBe(true);
    expect(result.responseBody!.length).toBe(1000);
    expect(new TextDecoder().decode(result.responseBody!)).toBe("z".repeat(1000));
    // Dropped as part of the attempt, not whenever the abandoned stream is garbage-collected.
    await waitFor(() => server.open() === 0, 500);
    expect(server.open()).toBe(0);
  });

  test("a body exactly at the limit is complete, one byte over is truncated", async () => {
    const r = receiver((req) => new Response("x".repeat(new URL(req.url).pathname === "/over" ? 11 : 10)));
    const exact = await client().send(request(`${r.url}/exact`, { responseBodyLimit: 10 }));
    const over = await client().send(request(`${r.url}/over`, { responseBodyLimit: 10 }));
    expect([exact.truncated, exact.responseBody!.length]).toEqual([false, 10]);
    expect([over.truncated, over.responseBody!.length]).toEqual([true, 10]);
  });
});

describe("timeouts", () => {
  test("a server that never answers times out at the deadline", async () => {
    const server = await tcpServer(() => {});
    const result = await client().send(request(server.url, { timeoutMs: 500 }));
    expect(result.error?.code).toBe("timeout");
    expect(result.error?.message).toContain("500 ms");
    expect(result.statusCode).toBeNull();
    expect(result.durationMs).toBeGreaterThanOrEqual(400);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  test("a body trickling past the deadline times out: the deadline runs to the last byte", async () => {
    const server = await tcpServer((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
        const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write(".")), 50);
        socket.on("close", () => clearInterval(drip));
      });
    });
    const result = await client().send(request(server.url, { timeoutMs: 500 }));
    expect(result.error?.code).toBe("timeout");
    expect(result.error?.message).toContain("response body");
    expect(result.statusCode).toBe(200);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  test("a resolver that hangs is cut off by the same deadline", async () => {
    const hang: Resolver = () => new Promise(() => {});
    const result = await client({ resolver: hang }).send(request("http://slow-dns.test/", { timeoutMs: 300 }));
    expect(result.error?.code).toBe("timeout");
    expect(result.error?.message).toContain("slow-dns.test");
  });

  test("waiting for a free per-origin slot does not spend the deadline", async () => {
    const r = receiver(async () => {
      await Bun.sleep(150);
      return new Response("ok");
    });
    const c = client({ maxSocketsPerOrigin: 1 });
    // Eight attempts through one slot take ~1.2 s in all; each one alone takes 150 ms of its 1 s budget.
    const results = await Promise.all(Array.from({ length: 8 }, () => c.send(request(r.url, { timeoutMs: 1_000 }))));
    expect(results.map((x) => x.error)).toEqual(Array(8).fill(null));
  });
});

describe("transport errors", () => {
  test("a closed port is connection_refused", async () => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, "close");
    const result = await client().send(request(`http://127.0.0.1:${port}/`));
    expect(result.error?.code).toBe("connection_refused");
    expect(result.error?.message).toContain(`127.0.0.1:${port}`);
    expect(result.statusCode).toBeNull();
  });

  test("a reset in the middle of the response is connection_reset", async () => {
    const server = await tcpServer((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\npartial");
        setTimeout(() => socket.resetAndDestroy(), 50);
      });
    });
    const result = await client().send(request(server.url));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.statusCode).toBe(200);
  });

  test("a connection closed before any response is connection_reset", async () => {
    const server = await tcpServer((socket) => socket.once("data", () => socket.end()));
    const result = await client().send(request(server.url));
    expect(result.error?.code).toBe("connection_reset");
    expect(result.statusCode).toBeNull();
  });

  test("a resolver answering nothing is dns", async () => {
    const empty: Resolver = async () => [];
    const result = await client({ resolver: empty }).send(request("http://nowhere.test/"));
    expect(result.error?.code).toBe("dns");
    expect(result.error?.message).toContain("nowhere.test");
  });

  test("a resolver failing with ENOTFOUND is dns", async () => {
    const notFound: Resolver = async (name) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    };
    const result = await client({ resolver: notFound }).send(request("https://missing.test/hook"));
    expect(result.error?.code).toBe("dns");
    expect(result.error?.message).toContain("ENOTFOUND");
  });
});

describe("connection reuse", () => {
  test("50 sequential attempts to one origin reuse a few sockets", async () => {
    const server = await tcpServer((socket) => {
      let buffered = "";
      socket.on("data", (d) => {
        buffered += d.toString("latin1");
        // Answer each complete request (headers plus its small known body) on the same socket.
        for (let end = buffered.indexOf("\r\n\r\n"); end >= 0; end = buffered.indexOf("\r\n\r\n")) {
          const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
          if (buffered.length < end + 4 + length) break;
          buffered = buffered.slice(end + 4 + length);
          socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok");
        }
      });
    });
    const c = client({ maxSocketsPerOrigin: 4 });
    for (let i = 0; i < 50; i++) expect((await c.send(request(server.url))).statusCode).toBe(200);
    expect(server.accepted()).toBeGreaterThanOrEqual(1);
    expect(server.accepted()).toBeLessThanOrEqual(4);
  });

  test("concurrent attempts to one origin open at most maxSocketsPerOrigin sockets", async () => {
    const server = await tcpServer((socket) => {
      socket.on("data", () => setTimeout(() => socket.destroyed || socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), 20));
    });
    const c = client({ maxSocketsPerOrigin: 3 });
    const results = await Promise.all(Array.from({ length: 30 }, () => c.send(request(server.url))));
    expect(results.every((x) => x.statusCode === 200)).toBe(true);
    expect(server.accepted()).toBeLessThanOrEqual(3);
  });
});

describe("close", () => {
  test("cuts off attempts in flight as interrupted and refuses new ones", async () => {
    const server = await tcpServer(() => {});
    const c = createHttpClient({ allowPrivateNetworks: true });
    const pending = c.send(request(server.url, { timeoutMs: 30_000 }));
    await waitFor(() => server.accepted() === 1);
    await c.close();
    const result = await pending;
    expect(result.error?.code).toBe("interrupted");
    expect(result.error?.message).toContain("closed");
    expect(() => c.send(request(server.url))).toThrow("after close");
  });

  test("a URL that is not http(s) is a programming error, thrown at once", () => {
    expect(() => client().send(request("ftp://127.0.0.1/"))).toThrow("http or https");
  });
});
