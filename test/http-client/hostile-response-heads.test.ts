/**
 * The HTTP client against subscribers whose response head misbehaves on
 * purpose: redirects to internal addresses, floods of headers, odd names
 * and bytes, and status lines from the strange to the unusable, each from a
 * raw server on loopback. Every test name states the promise it holds the
 * client to.
 *
 * Network rule: every byte goes to 127.0.0.1 or ::1. The one test that names
 * an address that must never be contacted (the cloud metadata service) first
 * proves, with loopback targets, that no redirect is followed at all; a
 * client that followed them fails there, before the metadata URL is served.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { once } from "node:events";
import net from "node:net";
import { classifyStatus } from "../../src/domain/outcome.ts";
import { NOT_KEPT_KEY, RESPONSE_HEADER_VALUE_LIMIT, RESPONSE_HEADERS_LIMIT, type SendResult } from "../../src/http-client/http-client.ts";
import { clientFixture } from "../helpers/client-fixture.ts";
import { pump } from "../helpers/hostile-server.ts";

const { client, hostile, request, servers, cleanup } = clientFixture({ responseBodyLimit: 4096 });

const text = (r: SendResult) => Buffer.from(r.responseBody ?? new Uint8Array()).toString("latin1");

afterEach(cleanup);

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
