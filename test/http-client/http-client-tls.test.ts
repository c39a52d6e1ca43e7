/**
 * The HTTP client over TLS, against https receivers on loopback with a
 * throwaway PKI: the socket goes to the vetted address while SNI, Host and
 * the certificate check use the URL's hostname, and every certificate it
 * should refuse fails as tls.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { once } from "node:events";
import https from "node:https";
import type net from "node:net";
import type { TLSSocket } from "node:tls";
import type { Resolver } from "../../src/http-client/http-client.ts";
import { clientFixture } from "../helpers/client-fixture.ts";
import { createTestPki, type KeyPair, type TestPki } from "../helpers/pki.ts";

const { client, receiver, request, servers, cleanup } = clientFixture({ responseBodyLimit: 4096 });

afterEach(cleanup);

describe("https", () => {
  let pki: TestPki;
  beforeAll(() => (pki = createTestPki()));
  afterAll(() => pki.cleanup());

  async function tlsReceiver(pair: KeyPair) {
    const seen: { servername: string | false | null; host: string | undefined; localAddress: string | undefined }[] = [];
    const server = https.createServer(pair, (req, res) => {
      seen.push({ servername: (req.socket as TLSSocket).servername, host: req.headers.host, localAddress: req.socket.localAddress });
      req.resume();
      req.on("end", () => res.end("secure ok"));
    });
    let connections = 0;
    server.on("secureConnection", () => connections++);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    servers.push(server);
    return { port: (server.address() as net.AddressInfo).port, seen, connections: () => connections };
  }

  const toLoopback = (calls: string[]): Resolver => async (name) => {
    calls.push(name);
    return [{ address: "127.0.0.1", family: 4 }];
  };

  test("with the CA trusted: 200, SNI and Host are the hostname, the socket went to the vetted 127.0.0.1", async () => {
    const server = await tlsReceiver(pki.valid);
    const calls: string[] = [];
    const result = await client({ resolver: toLoopback(calls), ca: pki.ca }).send(request(`https://hooks.test:${server.port}/hook`));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(new TextDecoder().decode(result.responseBody!)).toBe("secure ok");
    expect(calls).toEqual(["hooks.test"]);
    expect(server.seen).toEqual([{ servername: "hooks.test", host: `hooks.test:${server.port}`, localAddress: "127.0.0.1" }]);
  });

  test("an IP-literal https URL is verified against the IP and sends no SNI", async () => {
    const server = await tlsReceiver(pki.valid);
    const resolver: Resolver = async () => {
      throw new Error("an IP literal must not be resolved");
    };
    const result = await client({ resolver, ca: pki.ca }).send(request(`https://127.0.0.1:${server.port}/`));
    expect(result.error).toBeNull();
    expect(result.statusCode).toBe(200);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]!.servername || null).toBeNull();
    expect(server.seen[0]!.host).toBe(`127.0.0.1:${server.port}`);
  });

  test("attempts to one https origin share a connection", async () => {
    const server = await tlsReceiver(pki.valid);
    const c = client({ resolver: toLoopback([]), ca: pki.ca });
    for (let i = 0; i < 10; i++) expect((await c.send(request(`https://hooks.test:${server.port}/`))).statusCode).toBe(200);
    expect(server.connections()).toBe(1);
  });

  test("a certificate from an untrusted CA is tls", async () => {
    const server = await tlsReceiver(pki.valid);
    const result = await client({ resolver: toLoopback([]) }).send(request(`https://hooks.test:${server.port}/`));
    expect(result.error?.code).toBe("tls");
    expect(server.seen).toHaveLength(0);
  });

  test("a self-signed certificate is tls, even with a CA configured", async () => {
    const server = await tlsReceiver(pki.selfSigned);
    const result = await client({ resolver: toLoopback([]), ca: pki.ca }).send(request(`https://hooks.test:${server.port}/`));
    expect(result.error?.code).toBe("tls");
    expect(result.error?.message).toContain("self signed");
  });

  test("an expired certificate is tls", async () => {
    const server = await tlsReceiver(pki.expired);
    const result = await client({ resolver: toLoopback([]), ca: pki.ca }).send(request(`https://hooks.test:${server.port}/`));
    expect(result.error?.code).toBe("tls");
    expect(result.error?.message).toContain("CERT_HAS_EXPIRED");
  });

  test("a certificate for another name is tls: the check uses the URL's hostname, not the IP", async () => {
    const server = await tlsReceiver(pki.valid);
    const result = await client({ resolver: toLoopback([]), ca: pki.ca }).send(request(`https://other.test:${server.port}/`));
    expect(result.error?.code).toBe("tls");
    expect(result.error?.message).toContain("ERR_TLS_CERT_ALTNAME_INVALID");
    expect(server.seen).toHaveLength(0);
  });

  test("https to a port that speaks plain http is tls", async () => {
    const r = receiver();
    const result = await client({ resolver: toLoopback([]), ca: pki.ca }).send(request(`https://hooks.test:${r.port}/`));
    expect(result.error?.code).toBe("tls");
  });
});
