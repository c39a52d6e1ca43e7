/**
 * Hostile bodies against the real process, over raw TCP (node:net), where
 * the framing is the client's to get wrong: bodies over server.max_body
 * announced with Content-Length, sent chunked, never finished, and requests
 * carrying both Content-Length and Transfer-Encoding. Every answer must come
 * within a deadline, the server must close the connection after refusing a
 * body (so neither side waits for bytes nobody wants), and nothing may be
 * written. It lives beside hostile-input.test.ts because it checks the same
 * promise one layer down; it starts one daemon for the whole file.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { cleanupDaemons, startDaemon, type Daemon } from "../helpers/daemon.ts";

const MAX_BODY = 4 * 1024;
/** Bun.serve's own cap, set by src/daemon.ts to max(4 × max_body, 1 GiB). */
const BUN_CAP = 1024 ** 3;
/** No answer and no close within this is a hang. Generous for slow CI. */
const SOCKET_DEADLINE_MS = 5_000;
const TEST_TIMEOUT_MS = 30_000;

let daemon: Daemon;
let port: number;

beforeAll(async () => {
  daemon = await startDaemon({ config: `[server]\nmax_body = "4KiB"\n` });
  port = Number(new URL(daemon.url).port);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  if (daemon) expect(await daemon.stop()).toBe(0);
  await cleanupDaemons();
});

interface RawAnswer {
  /** null when the server closed without answering. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** The server ended the connection (FIN or reset) before the deadline. */
  closedByServer: boolean;
  /** Everything received, for requests pipelined behind the first. */
  raw: string;
}

/**
 * Writes `chunks` to a fresh connection and reads until the server closes it
 * or the deadline passes, whichever is first. Writing stops once the socket
 * is gone: a server may answer and close before the client has sent everything.
 */
function rawRequest(chunks: (string | Buffer)[]): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(received).toString("latin1");
      resolve({ ...parseResponse(raw), closedByServer, raw });
    };
    const timer = setTimeout(() => finish(false), SOCKET_DEADLINE_MS);
    socket.on("data", (d: Buffer) => received.push(d));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    // A reset after the server closed with our bytes unread is still the server closing; what it sent first is kept.
    socket.on("error", () => finish(true));
    socket.on("connect", () => {
      for (const chunk of chunks) if (!socket.destroyed) socket.write(chunk);
    });
  });
}

function parseResponse(text: string): Omit<RawAnswer, "closedByServer" | "raw"> {
  // Skip interim answers (100 Continue): the final one is what counts.
  let rest = text;
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) rest = rest.slice(rest.indexOf("\r\n\r\n") + 4);
  const end = rest.indexOf("\r\n\r\n");
  if (!rest.startsWith("HTTP/") || end < 0) return { status: null, headers: {}, body: "" };
  const [statusLine, ...lines] = rest.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  return { status: Number(statusLine!.split(" ")[1]), headers, body: rest.slice(end + 4, end + 4 + length) };
}

function head(lines: string[]): string {
  return `${["POST /v1/endpoints HTTP/1.1", "Host: 127.0.0.1", `Authorization: Bearer ${daemon.token}`, "Content-Type: application/json", ...lines].join("\r\n")}\r\n\r\n`;
}

/** A JSON body of `total` bytes (at least 47) as chunked encoding, in chunks of `size`; `end` adds the final zero chunk. */
function chunked(total: number, size: number, end = true): string {
  const [open, close] = ['{"url":"https://example.com/","description":"', '"}'];
  const body = `${open}${"x".repeat(Math.max(0, total - open.length - close.length))}${close}`;
  let out = "";
  for (let i = 0; i < body.length; i += size) {
    const part = body.slice(i, i + size);
    out += `${part.length.toString(16)}\r\n${part}\r\n`;
  }
  return end ? `${out}0\r\n\r\n` : out;
}

const bigJson = (n: number) => `{"url":"https://example.com/","description":"${"x".repeat(n)}"}`;

function rowCounts(): Record<string, number> {
  const db = new Database(join(daemon.dataDir, "hookgate.db"), { readonly: true });
  try {
    const count = (t: string) => (db.query(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { endpoints: count("endpoints"), events: count("events"), deliveries: count("deliveries"), attempts: count("attempts"), idempotency_keys: count("idempotency_keys") };
  } finally {
    db.close();
  }
}
const NOTHING = { endpoints: 0, events: 0, deliveries: 0, attempts: 0, idempotency_keys: 0 };

function expectPayloadTooLarge(r: RawAnswer): void {
  expect(r.status).toBe(413);
  expect(JSON.parse(r.body)).toEqual({ error: { code: "payload_too_large", message: `request body is larger than server.max_body (${MAX_BODY} bytes)` } });
  expect(r.headers.connection).toBe("close");
  expect(r.closedByServer).toBe(true);
}

describe("bodies over server.max_body on the real process", () => {
  test(
    "with a Content-Length over the limit: 413 in the error shape, and the connection closed",
    async () => {
      const body = bigJson(MAX_BODY + 100);
      expectPayloadTooLarge(await rawRequest([head([`Content-Length: ${Buffer.byteLength(body)}`]), body]));
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "with a Content-Length over the limit and no body sent yet: answered at once, not after waiting for the body",
    async () => {
      expectPayloadTooLarge(await rawRequest([head([`Content-Length: ${MAX_BODY + 1}`])]));
      expectPayloadTooLarge(await rawRequest([head([`Content-Length: ${MAX_BODY + 1}`, "Expect: 100-continue"])]));
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "chunked, just over the limit and 24 times over: 413 in the error shape as soon as the limit is passed",
    async () => {
      for (const [total, size] of [
        [MAX_BODY + 1, 1000],
        [MAX_BODY + 1, MAX_BODY + 1],
        [24 * MAX_BODY, 4096],
      ] as const) {
        expectPayloadTooLarge(await rawRequest([head(["Transfer-Encoding: chunked"]), chunked(total, size)]));
      }
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "chunked and never finished (no last chunk) but past the limit: 413 and closed, not a connection left waiting",
    async () => {
      expectPayloadTooLarge(await rawRequest([head(["Transfer-Encoding: chunked"]), chunked(MAX_BODY + 500, 512, false)]));
      // One chunk that announces more than the limit, then stops.
      expectPayloadTooLarge(await rawRequest([head(["Transfer-Encoding: chunked"]), `${(MAX_BODY * 4).toString(16)}\r\n${"x".repeat(MAX_BODY + 1)}`]));
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "with a Content-Length far over max_body but under Bun's own cap: 413 in the error shape, nothing read",
    async () => {
      for (const length of [4 * MAX_BODY + 1, BUN_CAP]) {
        expectPayloadTooLarge(await rawRequest([head([`Content-Length: ${length}`]), "x".repeat(1000)]));
      }
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    // Bun answers these itself, before hookgate sees the request: a bare 413 with no body.
    "with a Content-Length beyond Bun's own cap (1 GiB): Bun's bare 413, and the connection closed",
    async () => {
      for (const length of [BUN_CAP + 1, 1024 * 1024 * 1024 * 1024]) {
        const r = await rawRequest([head([`Content-Length: ${length}`]), "x".repeat(1000)]);
        expect(r.status).toBe(413);
        expect(r.body).toBe("");
        expect(r.headers.connection).toBe("close");
        expect(r.closedByServer).toBe(true);
      }
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("framing Bun refuses before hookgate sees the request", () => {
  // RFC 9112 §6.3 lets a server reject a message with both headers (the
  // request-smuggling shape); Bun 1.4.4 does, with a bare 400 and a close,
  // whatever the sizes and whether the body would have been valid.
  test.each([
    ["Content-Length and chunked, body over the limit", ["Content-Length: 10", "Transfer-Encoding: chunked"], chunked(MAX_BODY + 100, 1000)],
    ["Content-Length over the limit and a small chunked body", [`Content-Length: ${MAX_BODY + 1}`, "Transfer-Encoding: chunked"], chunked(40, 40)],
    ["Content-Length and chunked, a valid small body", ["Content-Length: 34", "Transfer-Encoding: chunked"], `22\r\n{"url":"https://example.com/hook"}\r\n0\r\n\r\n`],
    ["two different Content-Lengths", ["Content-Length: 10", `Content-Length: ${MAX_BODY + 1}`], "x".repeat(MAX_BODY + 1)],
    ["a chunk size that is not hex", ["Transfer-Encoding: chunked"], "zz\r\nabc\r\n0\r\n\r\n"],
    ["a chunk size past 64 bits", ["Transfer-Encoding: chunked"], "FFFFFFFFFFFFFFFFFF\r\nabc"],
    ["a transfer coding other than chunked last", ["Transfer-Encoding: chunked, gzip"], "0\r\n\r\n"],
  ])(
    "%s: a 400 from Bun, the connection closed, nothing written",
    async (_name, headers, body) => {
      const r = await rawRequest([head(headers), body]);
      expect(r.status).toBe(400);
      expect(r.headers.connection).toBe("close");
      expect(r.closedByServer).toBe(true);
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    "an unknown method is dropped by Bun without an answer, and a header block over its limit is refused; both close the connection",
    async () => {
      const unknown = await rawRequest([`FOO /v1/endpoints HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${daemon.token}\r\n\r\n`]);
      expect(unknown.status).toBeNull();
      expect(unknown.closedByServer).toBe(true);
      const huge = await rawRequest([head([`X-Padding: ${"a".repeat(100_000)}`, "Content-Length: 2"]), "{}"]);
      // Bun answers 431 and closes while the client may still be writing the
      // header block; the kernel's reset can then discard that answer before
      // it is read. Either way the connection ends at once and nothing is written.
      expect([431, null]).toContain(huge.status);
      expect(huge.closedByServer).toBe(true);
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );
});

describe("the same socket path, for contrast", () => {
  test(
    "a small malformed body gets hookgate's own 400 invalid_json, and the connection stays open for the next request",
    async () => {
      // The pipelined second request asks to close, so the server ends the connection after answering both.
      const r = await rawRequest([head(["Content-Length: 5"]), "{oops", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"]);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error.code).toBe("invalid_json");
      expect(r.headers.connection).toBeUndefined();
      expect(r.raw).toContain('\r\n\r\n{"status":"ok"');
      expect(r.closedByServer).toBe(true);
      expect(rowCounts()).toEqual(NOTHING);
    },
    TEST_TIMEOUT_MS,
  );
});
