/**
 * A raw TCP "webhook receiver" on 127.0.0.1 for tests of misbehaving
 * subscribers: it reads each HTTP request itself and hands the socket to a
 * behaviour chosen by the request path, which writes whatever bytes it likes
 * (or none) and may stall, trickle, reset or never stop. It counts
 * connections and requests so tests can say what reached it.
 */
import { once } from "node:events";
import net from "node:net";

/** One request as the server read it. */
export interface RawRequest {
  method: string;
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Writes a response, or misbehaves, on the raw socket. */
export type Behaviour = (socket: net.Socket, req: RawRequest) => void;

export interface HostileServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  requests: RawRequest[];
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections still open. */
  open(): number;
  /** Resolves once no connection is open; false when some still are after `ms`. */
  allClosed(ms?: number): Promise<boolean>;
  close(): void;
}

/**
 * Starts the server. `behaviours` maps a path to what happens there; an
 * unknown path gets a plain 200. Requests on a kept-alive connection are
 * read in turn, each handed to its behaviour.
 */
export async function startHostileServer(behaviours: Record<string, Behaviour>): Promise<HostileServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // The client drops these connections on purpose (a deadline, a body limit); the errors that follow are expected.
    socket.on("error", () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on("data", (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const parsed = parseRequest(buffered);
        if (!parsed) return;
        buffered = buffered.subarray(parsed.length);
        requests.push(parsed.req);
        (behaviours[parsed.req.path] ?? okBehaviour)(socket, parsed.req);
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    accepted: () => accepted,
    open: () => sockets.size,
    async allClosed(ms = 5_000) {
      const until = Date.now() + ms;
      while (sockets.size > 0 && Date.now() < until) await Bun.sleep(10);
      return sockets.size === 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const okBehaviour: Behaviour = (socket) => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");

/** A complete request at the start of `buf` (headers and content-length body), or null while it is still arriving. */
function parseRequest(buf: Buffer): { req: RawRequest; length: number } | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [requestLine = "", ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyLength = Number(headers["content-length"] ?? 0);
  if (buf.length < end + 4 + bodyLength) return null;
  const [method = "", target = ""] = requestLine.split(" ");
  const body = Buffer.from(buf.subarray(end + 4, end + 4 + bodyLength));
  return { req: { method, path: target.split("?")[0]!, headers, body }, length: end + 4 + bodyLength };
}

/** What pump() writes. */
export interface PumpOptions {
  /** Repeated as the body. */
  chunk: Buffer;
  /** Bytes of body in all; Infinity: until the peer goes away. */
  total: number;
  /** Wraps each piece on the wire, e.g. chunked(). */
  frame?: (piece: Buffer) => Buffer;
  /** Written after the last piece, e.g. the last-chunk of chunked encoding. */
  trailer?: string;
}

/**
 * Writes a body honouring backpressure, so the server itself never buffers
 * more than a chunk: whatever memory grows in the test process is the client's.
 */
export function pump(socket: net.Socket, { chunk, total, frame = (c) => c, trailer = "" }: PumpOptions): void {
  let left = total;
  const next = () => {
    while (!socket.destroyed && left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= piece.length;
      if (!socket.write(frame(piece))) return void socket.once("drain", next);
    }
    if (!socket.destroyed && trailer !== "") socket.write(trailer);
  };
  next();
}

/** Writes one byte (or `unit`) every `everyMs` until the socket closes. */
export function trickle(socket: net.Socket, unit: string, everyMs: number): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(unit)), everyMs);
  socket.on("close", () => clearInterval(timer));
}

/** Encodes `data` as one HTTP/1.1 chunk. */
export function chunked(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from("\r\n")]);
}
