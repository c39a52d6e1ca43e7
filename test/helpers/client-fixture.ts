/**
 * What a test file of the HTTP client opens: clients and loopback servers,
 * closed after each test (register `afterEach(fixture.cleanup)`), and the
 * attempt request the tests send.
 */
import { createHttpClient, type HttpClient, type HttpClientOptions, type SendRequest } from "../../src/http-client/http-client.ts";
import { startHostileServer, type Behaviour, type HostileServer } from "./hostile-server.ts";

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
    request(url: string, extra: Partial<SendRequest> = {}): SendRequest {
      return { url, headers: { "content-type": "application/json" }, body: '{"id":"evt_1"}', timeoutMs: 5_000, responseBodyLimit: defaults.responseBodyLimit, ...extra };
    },
    async cleanup(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      for (const s of servers.splice(0)) s.close();
    },
  };
}
