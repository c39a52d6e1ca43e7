/**
 * Sends one webhook attempt: a POST whose outcome is always data (a status,
 * or a classified transport error), never an exception.
 *
 * Transport: hookgate's own small HTTP/1.1 client on Bun.connect
 * (http1-connection.ts, http1-response-parser.ts), with an idle connection
 * pool per origin (connection-pool.ts). The socket goes to the address the
 * guard vetted and nothing resolves the name again, so a rebinding DNS
 * answer cannot redirect it; the Host header, TLS SNI and the certificate
 * check still use the endpoint's hostname.
 *
 * Why not Bun's fetch: it keeps at most 64 idle keep-alive sockets per
 * process (oven-sh/bun#42608), so with many origins, or one origin at a high
 * rate, it churns connections (100k deliveries to one origin opened ~14,000;
 * 20k to 1,000 origins opened 19,923 and left ~20,000 in TIME_WAIT).
 * bench/client-compare.ts, 40k requests, 256 in flight:
 *
 *   client                      1000 slow origins (50 ms)   one fast origin
 *   fetch                       3,728/s, 39,989 conns       10,453/s, 10,910 conns
 *   node:http, Agent per origin 3,762/s,  1,000 conns        9,080/s,    256 conns
 *   HTTP/1.1 on Bun.connect     4,842/s,  1,000 conns       18,607/s,    256 conns
 *
 * A connection is reused only after a response whose end its framing gave
 * (Content-Length or chunked), without `Connection: close`, truncation,
 * error or timeout; never pipelined. A reused connection that fails before
 * any response byte (the server closed it as we took it) is retried once on
 * a fresh connection: safe for at-least-once delivery, the webhook-id is the
 * same. At most `maxSocketsPerOrigin` attempts per origin are in flight;
 * the rest wait in our queue with their clock stopped, so a queue never
 * turns into false timeouts.
 */
import { isIP } from "node:net";
import { rootCertificates } from "node:tls";
import { isHeaderName, isHeaderValue } from "../domain/headers.ts";
import { bracketHost, unbracketHost } from "../domain/host.ts";
import { vetDestination, systemResolver, type Resolver } from "./address-guard.ts";
import { Budget } from "./attempt-budget.ts";
import { ConnectionPool } from "./connection-pool.ts";
import { Http1Connection } from "./http1-connection.ts";
import type { ResponseSink } from "./http1-response-parser.ts";
import { headerRecord } from "./response-headers.ts";
import { describeFailure, type TransportError } from "./transport-errors.ts";

export type { Resolver } from "./address-guard.ts";
export type { TransportError } from "./transport-errors.ts";
export { NOT_KEPT_KEY, RESPONSE_HEADER_VALUE_LIMIT, RESPONSE_HEADERS_LIMIT } from "./response-headers.ts";

/** One attempt to send. */
export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** One deadline for the whole attempt: resolving, connecting, and reading to the last byte. */
  timeoutMs: number;
  /** Most response body bytes kept; the connection is dropped once they are read. */
  responseBodyLimit: number;
}

/**
 * What happened. The attempt failed whenever `error` is set, even if a
 * status line arrived first (a body that trickled past the deadline, a
 * connection reset mid-body): the status and partial body are kept for the log.
 */
export interface SendResult {
  /** null when no response arrived. */
  statusCode: number | null;
  /**
   * Lower-case names, repeated headers joined with ", ". A receiver can send
   * a megabyte of headers, so at most RESPONSE_HEADERS_LIMIT bytes are kept
   * (each value at most RESPONSE_HEADER_VALUE_LIMIT); what is left out is
   * counted under the key NOT_KEPT_KEY, which no real header can have.
   */
  responseHeaders: Record<string, string> | null;
  /** At most responseBodyLimit bytes, raw (not decoded, not decompressed). */
  responseBody: Uint8Array | null;
  /** True when the body was longer than the limit and reading stopped. */
  truncated: boolean;
  /** Human-readable message, for the delivery log. */
  error: { code: TransportError; message: string } | null;
  durationMs: number;
}

/** Sends attempts; close() cuts off those in flight and drops idle connections. */
export interface HttpClient {
  /** Never rejects for a network or receiver problem; throws at once for a non-http(s) URL or after close(). */
  send(req: SendRequest): Promise<SendResult>;
  close(): Promise<void>;
}

/** Options of createHttpClient. */
export interface HttpClientOptions {
  allowPrivateNetworks: boolean;
  /** Default: the system resolver (getaddrinfo, every address). */
  resolver?: Resolver;
  /** Monotonic milliseconds for durationMs. Default: performance.now. */
  now?: () => number;
  /** Attempts in flight (so sockets open) per origin. Default 16. */
  maxSocketsPerOrigin?: number;
  /** An extra trusted CA certificate (PEM), for tests and private CAs. */
  ca?: string;
}

/** Most bytes of the response a failed attempt keeps for the log, and what a successful one returns. */
interface Collected extends ResponseSink {
  statusCode: number | null;
  headers: [string, string][] | null;
  chunks: Uint8Array[];
  size: number;
  truncated: boolean;
}

/** A sink that keeps the head and at most `limit` body bytes, copied (Bun may reuse its read buffer). */
function collector(limit: number): Collected {
  return {
    statusCode: null,
    headers: null,
    chunks: [],
    size: 0,
    truncated: false,
    head(statusCode, headers) {
      this.statusCode = statusCode;
      this.headers = headers;
    },
    body(bytes) {
      const room = limit - this.size;
      if (bytes.length > room) {
        if (room > 0) this.chunks.push(bytes.slice(0, room));
        this.size = limit;
        this.truncated = true;
        return false;
      }
      if (bytes.length > 0) this.chunks.push(bytes.slice());
      this.size += bytes.length;
      return true;
    },
  };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === size) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// Set by this module, whatever the caller passed: the URL decides the host, the body its own length, the pool the connection.
const OURS = new Set(["host", "accept-encoding", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "expect"]);

/**
 * The request bytes: `POST <path?query> HTTP/1.1`, Host (with a port only
 * when not the default), the caller's headers, then ours. Accept-Encoding
 * identity: a receiver must not send a compressed body (a gzip bomb expands
 * on decode; we never decode, but the log is more useful without one).
 */
function requestBytes(url: URL, given: Record<string, string>, body: string): Uint8Array {
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const name in given) {
    if (OURS.has(name.toLowerCase())) continue;
    const value = given[name]!;
    // The API validates custom headers; this is the last line against a header split by CR/LF.
    if (!isHeaderName(name) || !isHeaderValue(value) || /[^\x00-\xff]/.test(value)) throw new TypeError(`invalid request header ${JSON.stringify(name)}`);
    head += `${name}: ${value}\r\n`;
  }
  const bodyLength = Buffer.byteLength(body, "utf8");
  head += `accept-encoding: identity\r\nconnection: keep-alive\r\ncontent-length: ${bodyLength}\r\n\r\n`;
  const out = Buffer.allocUnsafe(head.length + bodyLength);
  out.write(head, 0, "latin1");
  out.write(body, head.length, "utf8");
  return out;
}

/** Creates a client that pins each attempt to a vetted address and keeps connections alive per origin. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const resolver = options.resolver ?? systemResolver;
  // Monotonic by default: a wall-clock step mid-attempt must not make a duration negative.
  const now = options.now ?? (() => performance.now());
  const pool = new ConnectionPool(options.maxSocketsPerOrigin ?? 16);
  // A `ca` replaces the trusted roots in Bun's TLS; the option adds one, so the system roots stay.
  const ca = options.ca ? [...rootCertificates, options.ca] : undefined;
  const inFlight = new Set<{ budget: Budget; done: Promise<SendResult> }>();
  let closed = false;

  async function attempt(req: SendRequest, url: URL, budget: Budget, started: number): Promise<SendResult> {
    const result: SendResult = { statusCode: null, responseHeaders: null, responseBody: null, truncated: false, error: null, durationMs: 0 };
    const fail = (code: TransportError, message: string): SendResult => ({ ...result, error: { code, message }, durationMs: now() - started });
    const hostname = unbracketHost(url.hostname);
    const https = url.protocol === "https:";
    const port = Number(url.port || (https ? 443 : 80));

    // An IP literal is vetted without the resolver, so there is nothing that could hang to race against.
    const vetting = vetDestination(url, resolver, options.allowPrivateNetworks);
    const vetted = isIP(hostname) === 0 ? await budget.race(vetting) : await vetting;
    if (vetted === "aborted") return fail(budget.expired ? "timeout" : "interrupted", budget.expired ? `timed out after ${req.timeoutMs} ms resolving ${hostname}` : "cut off: the HTTP client was closed");
    if (!vetted.ok) return fail(vetted.code, vetted.message);

    const ip = bracketHost(vetted.address);
    const isIpHost = vetted.address === hostname;
    const where = isIpHost ? `${ip}:${port}` : `${hostname} (${ip}:${port})`;
    // SNI must not carry an IP literal (RFC 6066): Bun sends none for "" and still verifies the certificate against the IP.
    const serverName = isIpHost ? "" : hostname;
    const origin = pool.origin(https ? `https://${ip}:${port}|${serverName}` : `http://${ip}:${port}`);
    if (!origin.slots.tryAcquire()) {
      budget.pause();
      await origin.slots.wait();
      budget.resume();
    }
    const response = collector(req.responseBodyLimit);
    let conn: Http1Connection | null = null;
    budget.onEnd = () => conn?.destroy();
    try {
      if (budget.aborted) throw new Error("ended while waiting for a connection slot");
      const request = requestBytes(url, req.headers, req.body);
      for (let retried = false; ; retried = true) {
        const pooled = retried ? undefined : pool.take(origin);
        conn = pooled ?? Http1Connection.open({ ip: vetted.address, port, tls: https ? { serverName, ca } : null });
        try {
          await conn.ready;
          await conn.send(request, response);
          break;
        } catch (err) {
          // A kept-alive connection the server closed while we were taking it
          // (its FIN still in flight): nothing of this request was answered,
          // so it goes again on a fresh connection, within the same deadline.
          if (pooled && conn.bytesReceived === 0 && !budget.aborted) continue;
          throw err;
        }
      }
      if (conn.reusable) pool.put(origin, conn);
      result.statusCode = response.statusCode;
      result.responseHeaders = headerRecord(response.headers!);
      result.responseBody = concat(response.chunks, response.size);
      result.truncated = response.truncated;
      result.durationMs = now() - started;
      return result;
    } catch (err) {
      conn?.destroy();
      if (response.statusCode !== null) {
        result.statusCode = response.statusCode;
        result.responseHeaders = headerRecord(response.headers!);
        result.responseBody = concat(response.chunks, response.size);
      }
      const during = response.statusCode !== null ? ` while reading the response body (status ${response.statusCode})` : "";
      if (budget.expired) return fail("timeout", `timed out after ${req.timeoutMs} ms waiting for ${where}${during || " to answer"}`);
      if (closed) return fail("interrupted", `cut off${during}: the HTTP client was closed`);
      const failure = describeFailure(err, { where, during });
      return fail(failure.code, failure.message);
    } finally {
      budget.onEnd = null;
      origin.slots.release();
      pool.forgetIfUnused(origin);
    }
  }

  return {
    send(req) {
      // Programming errors throw; everything the network or the receiver does comes back as a result.
      if (closed) throw new Error("HttpClient.send() called after close()");
      const url = new URL(req.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`HttpClient.send() needs an http or https URL, got ${url.protocol}`);
      const started = now();
      const budget = new Budget(req.timeoutMs);
      const entry = { budget, done: attempt(req, url, budget, started) };
      inFlight.add(entry);
      return entry.done.finally(() => {
        budget.stop();
        inFlight.delete(entry);
      });
    },
    async close() {
      closed = true;
      for (const { budget } of inFlight) budget.abort();
      await Promise.allSettled([...inFlight].map((e) => e.done));
      pool.close();
    },
  };
}
