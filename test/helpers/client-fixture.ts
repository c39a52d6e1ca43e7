/**
 * What a test file of the HTTP client opens: clients and loopback servers,
 * closed after each test (register `afterEach(fixture.cleanup)`), and the
 * attempt request the tests send.
 */
import { once } from "node:events";
import net from "node:net";
import { createHttpClient, type HttpClient, type HttpClientOptions, type SendRequest } from "../../src/http-client/http-client.ts";
import { startHostileServer, type Behaviour, type HostileServer } from "./hostile-server.ts";

/** One request a `receiver` saw. */
export interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array;
}

export function clientFixture(defaults: { responseBodyLimit: number }) {
  const clients: HttpClient[] = [];
  /** Servers closed after the test; a test may add its own. */
  const servers: { close(): void }[] = [];
  return {
    servers,
    client(options: Partial<HttpClientOptions> = {}): HttpClient {
      const c = createHttpClient({ allowPrivateNetworks: true, ...options });
      clients.push(c);
      return c;
    },
    async hostile(behaviours: Record<string, Behaviour>): Promise<HostileServer> {
      const server = await startHostileServer(behaviours);
      servers.push(server);
      return server;
    },
    /** A Bun.serve receiver on 127.0.0.1 that records each request. */
    receiver(respond: (req: Request) => Response | Promise<Response> = () => new Response("ok")) {
      const seen: Seen[] = [];
      const server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        async fetch(req) {
          seen.push({ method: req.method, url: req.url, headers: req.headers, body: new Uint8Array(await req.arrayBuffer()) });
          return respond(req);
        },
      });
      servers.push({ close: () => server.stop(true) });
      return { url: `http://127.0.0.1:${server.port}`, port: server.port, seen };
    },
    /** A raw TCP server on 127.0.0.1 that counts connections and hands each socket to `onSocket`. */
    async tcpServer(onSocket: (socket: net.Socket) => void) {
      const sockets = new Set<net.Socket>();
      let accepted = 0;
      const server = net.createServer((socket) => {
        accepted++;
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        // The client drops these connections on purpose; the resulting errors are expected.
        socket.on("error", () => socket.destroy());
        onSocket(socket);
      });
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      servers.push({
        close() {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
      const port = (server.address() as net.AddressInfo).port;
      return { url: `http://127.0.0.1:${port}`, port, accepted: () => accepted, open: () => sockets.size };
    },
    request(url: string, extra: Partial<SendRequest> = {}): SendRequest {
      return { url, headers: { "content-type": "application/json" }, body: '{"id":"evt_1"}', timeoutMs: 5_000, responseBodyLimit: defaults.responseBodyLimit, ...extra };
    },
    async cleanup(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      for (const s of servers.splice(0)) s.close();
    },
  };
}

/** Waits for `cond` to hold, at most `ms`; tests then assert on it. */
export async function waitFor(cond: () => boolean, ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond() && Date.now() < until) await Bun.sleep(10);
}
