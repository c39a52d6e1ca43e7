import { afterEach, describe, expect, test } from "bun:test";
import { once } from "node:events";
import net from "node:net";
import { ALLOW_PRIVATE_KEY, vetDestination, type Resolver } from "../../src/http-client/address-guard.ts";
import { createHttpClient, type HttpClient } from "../../src/http-client/http-client.ts";

type Answer = { address: string; family: 4 | 6 }[];

/** A resolver that serves `answers` in turn (the last one repeats) and records each call. */
function scripted(...answers: Answer[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (name: string) => {
    calls.push(name);
    return answers[Math.min(calls.length, answers.length) - 1]!;
  };
  return Object.assign(resolver, { calls });
}

const v4 = (...addresses: string[]): Answer => addresses.map((address) => ({ address, family: 4 }));

describe("vetDestination", () => {
  test.each([
    ["http://localhost/", "localhost", "loopback"],
    ["http://LOCALHOST./", "localhost", "loopback"],
    ["http://api.localhost/", "api.localhost", "loopback"],
    ["http://127.0.0.1/", "127.0.0.1", "loopback"],
    ["http://2130706433/", "127.0.0.1", "loopback"],
    ["http://0x7f.1/", "127.0.0.1", "loopback"],
    ["http://[::1]/", "::1", "loopback"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1", "loopback"],
    ["http://169.254.169.254/latest/meta-data", "169.254.169.254", "cloud_metadata"],
    ["http://10.1.2.3/", "10.1.2.3", "private"],
    ["http://0.0.0.0/", "0.0.0.0", "unspecified"],
  ])("refuses %s without resolving it", async (url, host, reason) => {
    const resolver = scripted(v4("8.8.8.8"));
    const result = await vetDestination(new URL(url), resolver, false);
    expect(result).toMatchObject({ ok: false, code: "blocked_address" });
    if (result.ok) throw new Error("unreachable");
    expect(result.message).toContain(host);
    expect(result.message).toContain(`(${reason})`);
    expect(result.message).toContain(`${ALLOW_PRIVATE_KEY} = true`);
    expect(resolver.calls).toEqual([]);
  });

  test("refuses a name that resolves to a private address, naming host, address and reason", async () => {
    const result = await vetDestination(new URL("https://hooks.example.com/x"), scripted(v4("10.0.0.1")), false);
    expect(result).toEqual({
      ok: false,
      code: "blocked_address",
      message: "refused to connect: hooks.example.com resolves to 10.0.0.1, a private network address (private); set delivery.allow_private_networks = true to allow it",
    });
  });

  test("refuses a name whose answer mixes public and private addresses", async () => {
    const result = await vetDestination(new URL("https://mixed.example.com/"), scripted(v4("8.8.8.8", "10.0.0.1")), false);
    expect(result).toMatchObject({ ok: false, code: "blocked_address" });
    expect(result.ok ? "" : result.message).toContain("10.0.0.1");
  });

  test("refuses an IPv6 answer embedding a blocked IPv4 address", async () => {
    const result = await vetDestination(new URL("https://v6.example.com/"), scripted([{ address: "::ffff:169.254.169.254", family: 6 }]), false);
    expect(result).toMatchObject({ ok: false, code: "blocked_address" });
    expect(result.ok ? "" : result.message).toContain("cloud_metadata");
  });

  test("accepts a public answer and returns an address from it, IPv4 first", async () => {
    const v6First = scripted([{ address: "2606:4700::1", family: 6 }, { address: "93.184.215.14", family: 4 }, { address: "93.184.215.15", family: 4 }]);
    expect(await vetDestination(new URL("https://example.com/"), v6First, false)).toEqual({ ok: true, address: "93.184.215.14", family: 4 });
    expect(v6First.calls).toEqual(["example.com"]);
    const v6Only = scripted([{ address: "2606:4700::1", family: 6 }, { address: "2606:4700::2", family: 6 }]);
    expect(await vetDestination(new URL("https://example.com/"), v6Only, false)).toEqual({ ok: true, address: "2606:4700::1", family: 6 });
  });

  test("uses a public IP literal as is, without resolving", async () => {
    const resolver = scripted(v4("10.0.0.1"));
    expect(await vetDestination(new URL("https://8.8.8.8/"), resolver, false)).toEqual({ ok: true, address: "8.8.8.8", family: 4 });
    expect(await vetDestination(new URL("https://[2606:4700::1]/"), resolver, false)).toEqual({ ok: true, address: "2606:4700::1", family: 6 });
    expect(resolver.calls).toEqual([]);
  });

  test("a rebinding name is judged on each answer: public passes, then loopback is refused", async () => {
    const resolver = scripted(v4("93.184.215.14"), v4("127.0.0.1"));
    const url = new URL("https://rebind.example.com/");
    expect(await vetDestination(url, resolver, false)).toEqual({ ok: true, address: "93.184.215.14", family: 4 });
    expect(await vetDestination(url, resolver, false)).toMatchObject({ ok: false, code: "blocked_address" });
    expect(resolver.calls).toHaveLength(2);
  });

  test("with private networks allowed, loopback passes (and names still resolve once)", async () => {
    const resolver = scripted(v4("127.0.0.1"));
    expect(await vetDestination(new URL("http://localhost:8080/"), resolver, true)).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(await vetDestination(new URL("http://127.0.0.1/"), resolver, true)).toEqual({ ok: true, address: "127.0.0.1", family: 4 });
    expect(resolver.calls).toEqual(["localhost"]);
  });

  test("resolution failures are dns: empty answer, an error, a non-address", async () => {
    const url = new URL("https://gone.example.com/");
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND gone.example.com"), { code: "ENOTFOUND" });
    };
    for (const resolver of [scripted([]), failing, scripted(v4("not-an-ip"))]) {
      const result = await vetDestination(url, resolver, false);
      expect(result).toMatchObject({ ok: false, code: "dns" });
      expect(result.ok ? "" : result.message).toContain("gone.example.com");
    }
  });
});

describe("the client behind the guard", () => {
  const clients: HttpClient[] = [];
  const closers: (() => void)[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const close of closers.splice(0)) close();
  });

  /** An HTTP server on every loopback address (dual stack) that counts accepted connections. */
  async function countingServer() {
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      socket.on("error", () => socket.destroy()); // a dropped test connection is not a failure here
      socket.once("data", () => socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"));
    });
    server.listen(0, "::");
    await once(server, "listening");
    closers.push(() => server.close());
    return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted };
  }

  function client(allowPrivateNetworks: boolean, resolver: Resolver): HttpClient {
    const c = createHttpClient({ allowPrivateNetworks, resolver });
    clients.push(c);
    return c;
  }

  const send = (c: HttpClient, url: string, timeoutMs = 2_000) =>
    c.send({ url, headers: {}, body: "{}", timeoutMs, responseBodyLimit: 1024 });

  test.each([
    ["localhost", v4("127.0.0.1")],
    ["127.0.0.1", v4("127.0.0.1")],
    ["2130706433", v4("127.0.0.1")],
    ["[::1]", v4("127.0.0.1")],
    ["internal.test", v4("127.0.0.1")],
    // Only loopback answers at this level: were the guard broken, the
    // connection would still stay on this machine. Private, mixed and
    // metadata answers are covered by the vetDestination table above.
    ["loopback-second.test", v4("127.0.0.2", "127.0.0.1")],
  ])("http://%s is blocked_address and the local server receives no connection", async (host, answer) => {
    const server = await countingServer();
    const result = await send(client(false, scripted(answer)), `http://${host}:${server.port}/hook`);
    expect(result.error?.code).toBe("blocked_address");
    expect(result.error?.message).toContain("delivery.allow_private_networks = true");
    expect(result.statusCode).toBeNull();
    await Bun.sleep(50); // give a stray connection time to show up before counting
    expect(server.accepted()).toBe(0);
  });

  test("with private networks allowed, loopback (name, literal, IPv6) is delivered", async () => {
    const server = await countingServer();
    const c = client(true, scripted(v4("127.0.0.1")));
    for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
      const result = await send(c, `http://${host}:${server.port}/`);
      expect(result.error).toBeNull();
      expect(result.statusCode).toBe(200);
    }
    expect(server.accepted()).toBe(3);
  });

  test("the connection goes to the address that was vetted, resolved once per attempt", async () => {
    // Bound to 127.0.0.1 only: a second lookup that answered 127.0.0.2 would be refused.
    let hostHeader = "";
    const server = net.createServer((socket) => {
      socket.on("error", () => socket.destroy()); // a dropped test connection is not a failure here
      socket.once("data", (d) => {
        hostHeader = /\r\nhost: *([^\r]*)/i.exec(d.toString("latin1"))?.[1] ?? "";
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    closers.push(() => server.close());
    const port = (server.address() as net.AddressInfo).port;
    const resolver = scripted(v4("127.0.0.1"), v4("127.0.0.2"));
    const c = client(true, resolver);

    const first = await send(c, `http://rebind.test:${port}/`);
    expect(first.statusCode).toBe(200);
    expect(hostHeader).toBe(`rebind.test:${port}`);
    expect(resolver.calls).toEqual(["rebind.test"]);

    // The next attempt resolves again and goes where that answer says, not to the old socket's address.
    const second = await send(c, `http://rebind.test:${port}/`);
    expect(second.error?.code).toBe("connection_refused");
    expect(second.error?.message).toContain("127.0.0.2");
    expect(resolver.calls).toEqual(["rebind.test", "rebind.test"]);
  });
});
