/**
 * Sends one webhook attempt: a POST whose outcome is always data (a status,
 * or a classified transport error), never an exception.
 *
 * Transport: Bun's fetch, aimed at the address the guard vetted. The URL
 * handed to fetch is the vetted IP literal, so fetch never resolves the name
 * and a rebinding DNS answer cannot redirect the connection; the Host header,
 * TLS SNI and the certificate check (`tls.serverName`) still use the
 * endpoint's hostname. Measured on Bun 1.4.4, this is about twice as fast as
 * node:http with an Agent and a pinned `lookup` (which Bun also honours).
 * Its limits, and how this module lives with them:
 * - fetch runs at most BUN_CONFIG_MAX_HTTP_REQUESTS (256) requests at once
 *   and queues the rest invisibly. Attempts wait in our own queue instead,
 *   with their clock stopped, so a queue never turns into false timeouts.
 * - fetch keeps at most 64 idle keep-alive connections per process
 *   (oven-sh/bun#42608); beyond 64 busy origins, some reconnect.
 * - fetch has no per-origin socket cap, so at most `maxSocketsPerOrigin`
 *   attempts per origin are in flight, and fetch opens no more sockets than that.
 */
import { isIP } from "node:net";
import { vetDestination, systemResolver, type Resolver } from "./address-guard.ts";
import { describeFailure, type TransportError } from "./transport-errors.ts";

export type { Resolver } from "./address-guard.ts";
export type { TransportError } from "./transport-errors.ts";

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

// fetch's own process-wide limit, read by Bun from the environment at start-up.
const FETCH_MAX_IN_FLIGHT = Number(process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) || 256;

/** A counting semaphore whose release hands the slot straight to the next waiter. */
class Slots {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly size: number) {}
  tryAcquire(): boolean {
    if (this.active >= this.size) return false;
    this.active++;
    return true;
  }
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.active--;
  }
  get idle(): boolean {
    return this.active === 0 && this.waiters.length === 0;
  }
}

/** The attempt's time budget. Waiting for a slot pauses it: that wait is ours, not the receiver's. */
class Budget {
  readonly controller = new AbortController();
  expired = false;
  private left: number;
  private since = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;
  constructor(ms: number) {
    this.left = ms;
    this.resume();
  }
  /** Ends the attempt now: fetch is aborted and a pending race() returns "aborted". */
  abort(reason: string): void {
    this.controller.abort(new Error(reason));
    this.wake?.();
  }
  /** Settles with `work`, or with "aborted" once the budget ends, so a hanging resolver cannot outlive it. */
  race<T>(work: Promise<T>): Promise<T | "aborted"> {
    if (this.controller.signal.aborted) return Promise.resolve("aborted");
    // A plain callback, not an AbortSignal listener: this runs on every attempt and listeners cost more.
    const ended = new Promise<"aborted">((resolve) => (this.wake = () => resolve("aborted")));
    return Promise.race([work, ended]).finally(() => (this.wake = undefined));
  }
  resume(): void {
    this.since = performance.now();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.abort("attempt deadline passed");
    }, Math.max(0, this.left));
  }
  pause(): void {
    clearTimeout(this.timer);
    this.left -= performance.now() - this.since;
  }
  stop(): void {
    clearTimeout(this.timer);
  }
}

/** Waits for a slot with the budget paused. */
async function waitFor(slots: Slots, budget: Budget): Promise<void> {
  budget.pause();
  await slots.wait();
  budget.resume();
}

/** Most bytes of one response header value the delivery log keeps. */
export const RESPONSE_HEADER_VALUE_LIMIT = 4096;
/** Most bytes of response header names and values, together, the delivery log keeps. */
export const RESPONSE_HEADERS_LIMIT = 16 * 1024;
/** The key that counts the response headers left out; not a valid header name, so it cannot collide with one. */
export const NOT_KEPT_KEY = "(not kept)";

/**
 * The response headers as the delivery log keeps them: bounded, whatever the
 * receiver sent (see SendResult). Collected in a Map and turned into an
 * object with fromEntries, which defines own properties: names such as
 * `constructor` or `__proto__` are recorded as sent instead of colliding
 * with Object.prototype.
 */
function headerRecord(headers: Headers): Record<string, string> {
  const all = new Map<string, string>();
  for (const [name, value] of headers) {
    const earlier = all.get(name);
    all.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  const kept: [string, string][] = [];
  let used = 0;
  let omitted = 0;
  let omittedBytes = 0;
  for (const [name, value] of all) {
    const cut = value.length - RESPONSE_HEADER_VALUE_LIMIT;
    const shown = cut > 0 ? `${value.slice(0, RESPONSE_HEADER_VALUE_LIMIT)}…[${cut} more bytes not kept]` : value;
    // Skip rather than stop: a short header further on (retry-after) still fits.
    if (used + name.length + shown.length > RESPONSE_HEADERS_LIMIT) {
      omitted++;
      omittedBytes += name.length + value.length;
      continue;
    }
    kept.push([name, shown]);
    used += name.length + shown.length;
  }
  if (omitted > 0) kept.push([NOT_KEPT_KEY, `${omitted} more headers, ${omittedBytes} bytes: the delivery log keeps ${RESPONSE_HEADERS_LIMIT} bytes of response headers`]);
  return Object.fromEntries(kept);
}

/**
 * Reads at most `limit` bytes into `into`; past that it cancels the stream,
 * which closes the connection. Always chunk by chunk, even for a short
 * declared length: when the receiver stalls or breaks off mid-body, the
 * bytes that did arrive are already in `into` for the log.
 */
async function readLimited(res: Response, limit: number, into: { chunks: Uint8Array[]; size: number }): Promise<boolean> {
  const body = res.body;
  if (!body) return false;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return false;
    const room = limit - into.size;
    if (value.length > room) {
      if (room > 0) into.chunks.push(value.subarray(0, room));
      into.size = limit;
      await reader.cancel();
      return true;
    }
    into.chunks.push(value);
    into.size += value.length;
  }
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

// Set by this module, whatever the caller passed: the URL decides the host, the body its own length.
const OURS = new Set(["host", "accept-encoding", "content-length"]);

/** The caller's headers plus ours; ours win over any spelling of the same name the caller used. */
function outgoingHeaders(given: Record<string, string>, host: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in given) if (!OURS.has(name.toLowerCase())) out[name] = given[name]!;
  out.host = host;
  // Never let a receiver send a compressed body (a gzip bomb expands on decode).
  out["accept-encoding"] = "identity";
  return out;
}

/** Creates a client that pins each attempt to a vetted address and keeps connections alive per origin. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const resolver = options.resolver ?? systemResolver;
  // Monotonic by default: a wall-clock step mid-attempt must not make a duration negative.
  const now = options.now ?? (() => performance.now());
  const perOrigin = options.maxSocketsPerOrigin ?? 16;
  const global = new Slots(FETCH_MAX_IN_FLIGHT);
  const origins = new Map<string, Slots>();
  const inFlight = new Set<{ budget: Budget; done: Promise<SendResult> }>();
  // Its own keep-alive pool (closed idle by close()), and never a proxy from
  // the environment: a proxy would resolve the name itself, behind the guard's back.
  const session = new Bun.FetchSession({ proxy: false });
  let closed = false;

  async function attempt(req: SendRequest, url: URL, budget: Budget, started: number): Promise<SendResult> {
    const result: SendResult = { statusCode: null, responseHeaders: null, responseBody: null, truncated: false, error: null, durationMs: 0 };
    const fail = (code: TransportError, message: string): SendResult => ({ ...result, error: { code, message }, durationMs: now() - started });
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = url.port || (url.protocol === "https:" ? "443" : "80");

    // An IP literal is vetted without the resolver, so there is nothing that could hang to race against.
    const vetting = vetDestination(url, resolver, options.allowPrivateNetworks);
    const vetted = isIP(hostname) === 0 ? await budget.race(vetting) : await vetting;
    if (vetted === "aborted") return fail(budget.expired ? "timeout" : "connection_reset", budget.expired ? `timed out after ${req.timeoutMs} ms resolving ${hostname}` : "cut off: the HTTP client was closed");
    if (!vetted.ok) return fail(vetted.code, vetted.message);

    const ip = vetted.family === 6 ? `[${vetted.address}]` : vetted.address;
    const isIpHost = vetted.address === hostname;
    const key = `${url.protocol}//${hostname}|${ip}:${port}`;
    let origin = origins.get(key);
    if (!origin) origins.set(key, (origin = new Slots(perOrigin)));
    // Origin first, then the global slot, so no attempt holds a global slot while queued on its origin.
    if (!origin.tryAcquire()) await waitFor(origin, budget);
    if (!global.tryAcquire()) await waitFor(global, budget);
    let phase: "connect" | "body" = "connect";
    const body = { chunks: [] as Uint8Array[], size: 0 };
    try {
      const res = await session.fetch(`${url.protocol}//${ip}:${port}${url.pathname}${url.search}`, {
        method: "POST",
        headers: outgoingHeaders(req.headers, url.host),
        body: req.body,
        redirect: "manual",
        decompress: false,
        signal: budget.controller.signal,
        // SNI must not carry an IP literal (RFC 6066); an IP URL is verified against its own IP.
        tls: url.protocol === "https:" ? { serverName: isIpHost ? undefined : hostname, ca: options.ca } : undefined,
      });
      result.statusCode = res.status;
      result.responseHeaders = headerRecord(res.headers);
      phase = "body";
      result.truncated = await readLimited(res, req.responseBodyLimit, body);
      result.responseBody = concat(body.chunks, body.size);
      result.durationMs = now() - started;
      return result;
    } catch (err) {
      if (result.statusCode !== null) result.responseBody = concat(body.chunks, body.size);
      const where = isIpHost ? `${ip}:${port}` : `${hostname} (${ip}:${port})`;
      const during = phase === "body" ? ` while reading the response body (status ${result.statusCode})` : "";
      if (budget.expired) return fail("timeout", `timed out after ${req.timeoutMs} ms waiting for ${where}${during || " to answer"}`);
      if (closed) return fail("connection_reset", `cut off${during}: the HTTP client was closed`);
      const failure = describeFailure(err, { where, during });
      return fail(failure.code, failure.message);
    } finally {
      global.release();
      origin.release();
      if (origin.idle) origins.delete(key);
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
      for (const { budget } of inFlight) budget.abort("HTTP client closed");
      await Promise.allSettled([...inFlight].map((e) => e.done));
      session.close();
    },
  };
}
