/**
 * An incremental parser for one HTTP/1.1 response (RFC 9112), fed the bytes
 * of a socket as they arrive. No I/O of its own: the connection feeds it and
 * reads its verdict.
 *
 * Framing follows RFC 9112 §6.3: 1xx interim responses are skipped (a 101
 * is refused: we never ask to upgrade), 204 and 304 have no body,
 * Transfer-Encoding ending in chunked is de-chunked (extensions ignored,
 * trailers read and dropped), a valid Content-Length is counted, anything
 * else is read until the connection closes. Body bytes are handed on raw:
 * no content coding is ever undone. A response may only be followed on the
 * same connection when its end was known from its framing.
 */

/** Why a response could not be parsed; the codes are named in transport-errors.ts. */
export type ProtocolErrorCode = "MALFORMED_RESPONSE" | "TOO_MANY_HEADERS" | "HEADERS_TOO_LARGE" | "UNREQUESTED_UPGRADE" | "BAD_CHUNK";

/** A receiver that does not speak HTTP/1.1 well enough to be understood. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** Most header lines read in one response head (Bun's fetch read as many; real receivers send a few dozen). */
export const MAX_HEADER_LINES = 256;
/** Most bytes of one response head, 1xx heads and trailers included. */
export const MAX_HEAD_BYTES = 1024 * 1024;
/** Most bytes of one chunk-size line with its extensions. */
const MAX_CHUNK_LINE = 4096;

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?:[ \t].*)?$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEX = /^[0-9A-Fa-f]{1,12}$/;

/** What the parser hands on: the final head once, then body bytes; body() answers false to stop reading. */
export interface ResponseSink {
  head(statusCode: number, headers: [string, string][]): void;
  body(bytes: Uint8Array): boolean;
}

type State = "status" | "headers" | "length" | "chunk-size" | "chunk-data" | "chunk-end" | "trailers" | "until-close" | "done";

export class ResponseParser {
  private state: State = "status";
  private partial = "";
  private headBytes = 0;
  private lines = 0;
  private status = 0;
  private http10 = false;
  private headers: [string, string][] = [];
  private remaining = 0;
  private stopped = false;
  /** Whether the connection may carry another request once this response is done. */
  keepAlive = true;
  /** Bytes arrived after the end of the response: a receiver answering what was never asked. */
  trailing = false;

  constructor(private readonly sink: ResponseSink) {}

  /** True once the response ended by its own framing (not by the connection closing). */
  get complete(): boolean {
    return this.state === "done";
  }

  /** True once the sink asked to stop (the body limit was reached). */
  get halted(): boolean {
    return this.stopped;
  }

  /** Consumes `data`; throws a ProtocolError for a response that cannot be understood. */
  feed(chunk: Uint8Array): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let at = 0;
    while (at < data.length && !this.stopped) {
      // The usual case, a head that arrives whole, is decoded once rather than line by line.
      if ((this.state === "status" || this.state === "headers") && this.partial === "") {
        const stop = data.indexOf("\r\n\r\n", at, "latin1");
        if (stop >= 0) {
          at = this.wholeLines(data, at, stop + 4);
          continue;
        }
      }
      switch (this.state) {
        case "status":
        case "headers":
        case "trailers":
        case "chunk-size":
        case "chunk-end": {
          const nl = data.indexOf(10, at);
          const end = nl < 0 ? data.length : nl + 1;
          this.count(end - at);
          this.partial += latin1(data, at, nl < 0 ? data.length : nl);
          at = end;
          if (nl >= 0) {
            const line = this.partial.endsWith("\r") ? this.partial.slice(0, -1) : this.partial;
            this.partial = "";
            this.line(line);
          }
          break;
        }
        case "length": {
          const n = Math.min(this.remaining, data.length - at);
          this.remaining -= n;
          const more = this.sink.body(data.subarray(at, at + n));
          at += n;
          if (this.remaining === 0) this.state = "done";
          else if (!more) this.stopped = true;
          break;
        }
        case "chunk-data": {
          const n = Math.min(this.remaining, data.length - at);
          this.remaining -= n;
          if (!this.sink.body(data.subarray(at, at + n))) this.stopped = true;
          at += n;
          if (this.remaining === 0) this.state = "chunk-end";
          break;
        }
        case "until-close":
          if (!this.sink.body(data.subarray(at))) this.stopped = true;
          at = data.length;
          break;
        case "done":
          this.trailing = true;
          return;
      }
    }
  }

  /** Parses the complete lines in data[from, to) while the head lasts; answers where it stopped. */
  private wholeLines(data: Buffer, from: number, to: number): number {
    const text = data.toString("latin1", from, to);
    let at = from;
    let start = 0;
    while (start < text.length && (this.state === "status" || this.state === "headers")) {
      const nl = text.indexOf("\n", start);
      this.count(nl + 1 - start);
      this.line(text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl));
      at += nl + 1 - start;
      start = nl + 1;
    }
    return at;
  }

  /**
   * The connection closed. Answers whether that ended the response: true
   * for a body read until close, and for one already done.
   */
  end(): boolean {
    if (this.state === "until-close") this.state = "done";
    return this.state === "done";
  }

  private count(bytes: number): void {
    // Every line the parser buffers is bounded: head and trailers together, and each chunk-size line.
    if (this.state === "chunk-size" || this.state === "chunk-end") {
      if (this.partial.length + bytes > MAX_CHUNK_LINE) throw new ProtocolError("BAD_CHUNK", "a chunk-size line of the chunked body is too long");
      return;
    }
    this.headBytes += bytes;
    if (this.headBytes > MAX_HEAD_BYTES) throw new ProtocolError("HEADERS_TOO_LARGE", `the response headers are larger than the HTTP client accepts (over ${MAX_HEAD_BYTES / 1024 / 1024} MiB)`);
  }

  private line(line: string): void {
    switch (this.state) {
      case "status":
        return this.statusLine(line);
      case "headers":
        return line === "" ? this.endOfHead() : this.headerLine(line);
      case "trailers":
        if (line === "") this.state = "done";
        return;
      case "chunk-size":
        return this.chunkSize(line);
      case "chunk-end":
        if (line !== "") throw new ProtocolError("BAD_CHUNK", "a chunk of the chunked body is longer than its size line says");
        this.state = "chunk-size";
        return;
    }
  }

  private statusLine(line: string): void {
    const m = STATUS_LINE.exec(line);
    if (!m) throw new ProtocolError("MALFORMED_RESPONSE", `the response is not valid HTTP/1.1: its status line is ${JSON.stringify(line.slice(0, 80))}`);
    this.http10 = m[1] === "0";
    this.status = Number(m[2]);
    this.headers = [];
    this.lines = 0;
    this.state = "headers";
  }

  private headerLine(line: string): void {
    if (++this.lines > MAX_HEADER_LINES) throw new ProtocolError("TOO_MANY_HEADERS", `the response has more than ${MAX_HEADER_LINES} header lines (the most the HTTP client reads)`);
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    // No obs-fold, no space before the colon (RFC 9112 §5.1-5.2 allow refusing both).
    if (!TOKEN.test(name)) throw new ProtocolError("MALFORMED_RESPONSE", `the response is not valid HTTP/1.1: a header line is ${JSON.stringify(line.slice(0, 80))}`);
    this.headers.push([name.toLowerCase(), line.slice(colon + 1).trim()]);
  }

  private endOfHead(): void {
    const status = this.status;
    if (status === 101) throw new ProtocolError("UNREQUESTED_UPGRADE", "the receiver switched protocols (101) without being asked to");
    // Interim responses (100 Continue, 103 Early Hints): the final one follows.
    if (status >= 100 && status < 200) return void (this.state = "status");
    this.sink.head(status, this.headers);

    let connection = "";
    let transferEncoding: string | null = null;
    const lengths: string[] = [];
    for (const [name, value] of this.headers) {
      if (name === "connection") connection += `,${value.toLowerCase()}`;
      else if (name === "transfer-encoding") transferEncoding = transferEncoding === null ? value : `${transferEncoding},${value}`;
      else if (name === "content-length") lengths.push(...value.split(","));
    }
    const tokens = connection.split(",").map((t) => t.trim());
    this.keepAlive = this.http10 ? tokens.includes("keep-alive") : !tokens.includes("close");

    if (status === 204 || status === 304) return void (this.state = "done");
    if (transferEncoding !== null) {
      const codings = transferEncoding.toLowerCase().split(",").map((t) => t.trim());
      if (codings.at(-1) === "chunked" && !this.http10) return void (this.state = "chunk-size");
      // Not ending in chunked: the body runs to the close (RFC 9112 §6.3, item 4).
      this.keepAlive = false;
      return void (this.state = "until-close");
    }
    if (lengths.length > 0) {
      const distinct = new Set(lengths.map((l) => l.trim()));
      const [only] = distinct;
      if (distinct.size !== 1 || !/^\d{1,15}$/.test(only!)) throw new ProtocolError("MALFORMED_RESPONSE", `the response is not valid HTTP/1.1: content-length ${JSON.stringify(lengths.join(",").slice(0, 80))}`);
      this.remaining = Number(only);
      return void (this.state = this.remaining === 0 ? "done" : "length");
    }
    this.keepAlive = false;
    this.state = "until-close";
  }

  private chunkSize(line: string): void {
    const semicolon = line.indexOf(";");
    const size = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
    if (!HEX.test(size)) throw new ProtocolError("BAD_CHUNK", `the chunked body has an invalid chunk-size line ${JSON.stringify(line.slice(0, 80))}`);
    this.remaining = parseInt(size, 16);
    if (this.remaining === 0) {
      this.lines = 0;
      this.state = "trailers";
    } else {
      this.state = "chunk-data";
    }
  }
}

function latin1(data: Uint8Array, from: number, to: number): string {
  if (to <= from) return "";
  return Buffer.from(data.buffer, data.byteOffset + from, to - from).toString("latin1");
}
