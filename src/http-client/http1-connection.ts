/**
 * One HTTP/1.1 connection on Bun.connect (plain TCP, or TLS through its
 * `tls` option), carrying one exchange at a time: never pipelined, so a
 * response always belongs to the one request written.
 *
 * The connection only ever dials the vetted IP it is given. TLS sends the
 * endpoint's hostname as SNI and verifies the certificate against it; an
 * unverified handshake is refused here, before a byte of the request leaves.
 *
 * An exchange settles once: resolved when the response is complete (or the
 * sink stopped it at the body limit), rejected on a socket error, an early
 * close, a malformed response, or destroy(). What arrived before that stays
 * in the caller's sink, so a failed attempt still logs its partial response.
 */
import type { Socket, SocketHandler, TLSOptions } from "bun";
import { ResponseParser, type ResponseSink } from "./http1-response-parser.ts";

/** Where to connect: always an IP address, never a name. */
export interface ConnectTarget {
  ip: string;
  port: number;
  /** null for plain http. */
  tls: { serverName: string; ca: string[] | undefined } | null;
}

/** An error with a code, as describeFailure() reads it. */
function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

// One handler table for every connection: each socket's data is its Http1Connection.
const handlers: SocketHandler<Http1Connection> = {
  open(socket) {
    if (!socket.data.secure) socket.data.opened(socket);
  },
  handshake(socket, ok, err) {
    if (ok && !err) return socket.data.opened(socket);
    socket.data.fail(err ?? coded("ERR_TLS_HANDSHAKE", "the TLS handshake failed"));
  },
  data(socket, chunk) {
    socket.data.received(chunk);
  },
  drain(socket) {
    socket.data.flush();
  },
  error(socket, err) {
    socket.data.fail(err);
  },
  connectError(socket, err) {
    socket.data.fail(err);
  },
  close(socket, err) {
    socket.data.closed(err);
  },
};

export class Http1Connection {
  readonly secure: boolean;
  /** Settles when the socket is ready for a request (TLS verified). */
  readonly ready: Promise<void>;
  /** Exchanges completed on this connection; a reused one may have been closed by the server meanwhile. */
  exchanges = 0;
  /** Set while the connection sits idle in a pool: called if the server closes it or talks out of turn. */
  onIdleEnd: (() => void) | null = null;
  private socket: Socket<Http1Connection> | null = null;
  private dead = false;
  private settleReady: { resolve: () => void; reject: (err: Error) => void } | null;
  private exchange: { parser: ResponseParser; resolve: () => void; reject: (err: Error) => void } | null = null;
  private unsent: Uint8Array | null = null;
  /** Response bytes received during the current exchange. */
  bytesReceived = 0;

  private constructor(target: ConnectTarget) {
    this.secure = target.tls !== null;
    let settle: Http1Connection["settleReady"] = null;
    this.ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    this.settleReady = settle;
    // Unhandled otherwise when an exchange's own rejection is what the caller awaits.
    this.ready.catch(() => {});
  }

  /** Starts connecting at once; await `ready` before the first exchange. */
  static open(target: ConnectTarget): Http1Connection {
    const conn = new Http1Connection(target);
    const tls: TLSOptions | undefined = target.tls ? { serverName: target.tls.serverName, ca: target.tls.ca, rejectUnauthorized: true } : undefined;
    Bun.connect<Http1Connection>({ hostname: target.ip, port: target.port, tls, data: conn, socket: handlers }).then(
      (socket) => {
        // destroy() came first: the socket it could not reach is closed now.
        if (conn.dead) socket.terminate();
      },
      (err: Error) => conn.fail(err),
    );
    return conn;
  }

  /** Called by the handlers once the socket is usable. */
  opened(socket: Socket<Http1Connection>): void {
    this.socket = socket;
    if (this.dead) return void socket.terminate();
    this.settleReady?.resolve();
    this.settleReady = null;
  }

  /** Writes `request` and reads one response into `sink`; see the header comment for how it settles. */
  send(request: Uint8Array, sink: ResponseSink): Promise<void> {
    if (this.dead || !this.socket) return Promise.reject(coded("ECONNRESET", "the connection is closed"));
    this.onIdleEnd = null;
    this.bytesReceived = 0;
    this.socket.ref();
    return new Promise<void>((resolve, reject) => {
      this.exchange = { parser: new ResponseParser(sink), resolve, reject };
      this.unsent = request;
      this.flush();
    });
  }

  /** True after a complete exchange when another request may follow on this connection. */
  get reusable(): boolean {
    return !this.dead && this.exchange === null && this.lastKeepAlive;
  }
  private lastKeepAlive = false;

  /** Sits idle: unref'd so an idle pool never keeps the process alive. */
  idle(onEnd: () => void): void {
    this.onIdleEnd = onEnd;
    this.socket?.unref();
  }

  /** Closes the socket at once; an exchange or a connect in progress rejects with `err`. */
  destroy(err: Error = coded("ECONNRESET", "the connection was dropped")): void {
    if (this.dead) return;
    this.fail(err);
  }

  flush(): void {
    const data = this.unsent;
    if (!data || !this.socket) return;
    const written = this.socket.write(data);
    if (written < 0) return this.fail(coded("EPIPE", "the connection closed while the request was being written"));
    this.unsent = written >= data.length ? null : data.subarray(written);
  }

  received(chunk: Uint8Array): void {
    const exchange = this.exchange;
    if (!exchange) {
      // Bytes on an idle connection answer nothing we asked: it cannot be trusted with the next request.
      return this.fail(coded("ECONNRESET", "unexpected bytes on an idle connection"));
    }
    this.bytesReceived += chunk.length;
    try {
      exchange.parser.feed(chunk);
    } catch (err) {
      return this.fail(err as Error);
    }
    const parser = exchange.parser;
    if (parser.halted) {
      // The body limit: stop reading, and drop the connection (the rest of the body is still coming).
      this.exchange = null;
      exchange.resolve();
      return this.fail(coded("ECONNRESET", "the body limit was reached"));
    }
    if (parser.complete) {
      this.exchange = null;
      this.exchanges++;
      // A response before the whole request left, or extra bytes after it: the connection's state is unknown.
      this.lastKeepAlive = parser.keepAlive && !parser.trailing && this.unsent === null;
      exchange.resolve();
      if (!this.lastKeepAlive) this.fail(coded("ECONNRESET", "the connection is not kept alive"));
    }
  }

  closed(err: Error | undefined): void {
    if (err) return this.fail(err);
    const exchange = this.exchange;
    // A close ends a body that runs until close; anything else it cuts short.
    if (exchange && exchange.parser.end()) {
      this.exchange = null;
      this.exchanges++;
      this.lastKeepAlive = false;
      exchange.resolve();
    }
    const early = this.bytesReceived > 0 || !exchange ? "the receiver closed the connection before the response was complete" : "the receiver closed the connection without answering";
    this.fail(coded("EOF", early));
  }

  /** Ends everything once: the socket, a pending connect, a pending exchange, an idle pool entry. */
  fail(err: Error): void {
    const firstTime = !this.dead;
    this.dead = true;
    this.settleReady?.reject(err);
    this.settleReady = null;
    const exchange = this.exchange;
    this.exchange = null;
    exchange?.reject(err);
    if (!firstTime) return;
    this.unsent = null;
    this.socket?.terminate();
    const onIdleEnd = this.onIdleEnd;
    this.onIdleEnd = null;
    onIdleEnd?.();
  }
}
