import { describe, expect, test } from "bun:test";
import { MAX_HEADER_LINES, ProtocolError, ResponseParser } from "../../src/http-client/http1-response-parser.ts";

interface Parsed {
  status: number | null;
  headers: [string, string][] | null;
  body: string;
  complete: boolean;
  keepAlive: boolean;
  trailing: boolean;
  error: string | null;
}

/** Feeds `wire` in pieces of `step` bytes (Infinity: at once), then a close when `close` is set. */
function parse(wire: string, step = Infinity, close = false, limit = Infinity): Parsed {
  const out: Parsed = { status: null, headers: null, body: "", complete: false, keepAlive: false, trailing: false, error: null };
  const parser = new ResponseParser({
    head(status, headers) {
      out.status = status;
      out.headers = headers;
    },
    body(bytes) {
      out.body += Buffer.from(bytes).toString("latin1");
      return out.body.length < limit;
    },
  });
  const bytes = Buffer.from(wire, "latin1");
  try {
    const size = Number.isFinite(step) ? step : bytes.length;
    for (let at = 0; at < bytes.length && !parser.halted; at += size) parser.feed(bytes.subarray(at, at + size));
    out.complete = close ? parser.end() : parser.complete;
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    out.error = err.code;
  }
  out.keepAlive = parser.keepAlive;
  out.trailing = parser.trailing;
  return out;
}

describe("framing", () => {
  test.each([
    ["content-length", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", "hello", true, true],
    ["content-length 0", "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", "", true, true],
    ["repeated equal content-lengths", "HTTP/1.1 200 OK\r\ncontent-length: 5, 5\r\ncontent-length: 5\r\n\r\nhello", "hello", true, true],
    ["chunked with extensions and trailers", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;a=b\r\nhello\r\nA ; x=\"y\"\r\n0123456789\r\n0\r\nx-t: 1\r\n\r\n", "hello0123456789", true, true],
    ["chunked wins over content-length", "HTTP/1.1 200 OK\r\ncontent-length: 99\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", "ok", true, true],
    ["gzip, chunked is de-chunked only", "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n3\r\n\x1f\x8b\x08\r\n0\r\n\r\n", "\x1f\x8b\x08", true, true],
    ["connection: close", "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nok", "ok", true, false],
    ["HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok", "ok", true, false],
    ["HTTP/1.0 with keep-alive", "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nok", "ok", true, true],
    ["204 ignores a content-length", "HTTP/1.1 204 No Content\r\ncontent-length: 10\r\n\r\n", "", true, true],
    ["interim responses skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: x\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", "ok", true, true],
    ["bare LF line endings", "HTTP/1.1 200 OK\ncontent-length: 2\n\nok", "ok", true, true],
  ])("%s", (_name, wire, body, complete, keepAlive) => {
    for (const step of [Infinity, 1, 3]) {
      const parsed = parse(wire, step);
      expect(parsed).toMatchObject({ error: null, body, complete, keepAlive, trailing: false });
      expect(parsed.status).toBe(wire.includes(" 204 ") ? 204 : 200);
    }
  });

  test("a body without a length ends at the close and is not kept alive", () => {
    const wire = "HTTP/1.1 200 OK\r\n\r\nall of it";
    expect(parse(wire)).toMatchObject({ complete: false, body: "all of it" });
    expect(parse(wire, 2, true)).toMatchObject({ complete: true, body: "all of it", keepAlive: false });
  });

  test("a close before the declared length is not a complete response", () => {
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", Infinity, true)).toMatchObject({ complete: false, body: "short" });
    expect(parse("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n", Infinity, true)).toMatchObject({ complete: false, body: "hello" });
  });

  test("bytes after a complete response are flagged", () => {
    expect(parse("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA")).toMatchObject({ complete: true, body: "ok", trailing: true });
  });

  test("the sink stops reading at its limit", () => {
    const parsed = parse(`HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n${"x".repeat(1000)}`, 7, false, 10);
    expect(parsed.body.length).toBeLessThan(20);
    expect(parsed.complete).toBe(false);
  });

  test("header names are lower-cased, values trimmed, Latin-1 kept", () => {
    expect(parse("HTTP/1.1 200 OK\r\nX-Name:   caf\xe9 \t\r\ncontent-length: 0\r\n\r\n").headers).toEqual([["x-name", "caf\xe9"], ["content-length", "0"]]);
  });
});

describe("refusals", () => {
  test.each([
    ["a status of four digits", "HTTP/1.1 1000 Big\r\n\r\n", "MALFORMED_RESPONSE"],
    ["HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n", "MALFORMED_RESPONSE"],
    ["not HTTP", "SSH-2.0-OpenSSH_9.6\r\n", "MALFORMED_RESPONSE"],
    ["a header line without a colon", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "MALFORMED_RESPONSE"],
    ["a space before the colon", "HTTP/1.1 200 OK\r\nx-bad : 1\r\n\r\n", "MALFORMED_RESPONSE"],
    ["an obs-fold continuation", "HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\n\r\n", "MALFORMED_RESPONSE"],
    ["differing content-lengths", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello", "MALFORMED_RESPONSE"],
    ["a negative content-length", "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", "MALFORMED_RESPONSE"],
    ["101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n", "UNREQUESTED_UPGRADE"],
    ["a chunk size that is not hex", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "BAD_CHUNK"],
    ["a chunk longer than its size", "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nokay\r\n", "BAD_CHUNK"],
    ["too many header lines", `HTTP/1.1 200 OK\r\n${"x: 1\r\n".repeat(MAX_HEADER_LINES + 1)}\r\n`, "TOO_MANY_HEADERS"],
    ["a head over a megabyte", `HTTP/1.1 200 OK\r\nx: ${"h".repeat(1024 * 1024)}\r\n\r\n`, "HEADERS_TOO_LARGE"],
    ["an endless chunk-size line", `HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1${";x".repeat(5000)}`, "BAD_CHUNK"],
  ])("%s", (_name, wire, code) => {
    expect(parse(wire).error).toBe(code);
    expect(parse(wire, 5).error).toBe(code);
  });

  test(`${MAX_HEADER_LINES} header lines are accepted`, () => {
    expect(parse(`HTTP/1.1 200 OK\r\n${"x: 1\r\n".repeat(MAX_HEADER_LINES)}content-length: 0\r\n\r\n`).error).toBe("TOO_MANY_HEADERS");
    expect(parse(`HTTP/1.1 200 OK\r\n${"x: 1\r\n".repeat(MAX_HEADER_LINES - 1)}content-length: 0\r\n\r\n`)).toMatchObject({ error: null, complete: true });
  });
});
