import { describe, expect, test } from "bun:test";
import { bracketHost, unbracketHost } from "../../src/domain/host.ts";

describe("bracketHost", () => {
  test.each([
    ["::1", "[::1]", "IPv6 loopback"],
    ["::", "[::]", "the IPv6 wildcard"],
    ["2001:db8::1", "[2001:db8::1]", "an IPv6 address"],
    ["::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "an IPv4-mapped IPv6 address"],
    ["127.0.0.1", "127.0.0.1", "an IPv4 address"],
    ["0.0.0.0", "0.0.0.0", "the IPv4 wildcard"],
    ["localhost", "localhost", "a name"],
    ["gateway.internal", "gateway.internal", "a dotted name"],
  ])("writes %p as %p (%s)", (host, written) => {
    expect(bracketHost(host)).toBe(written);
  });

  test.each(["::1", "2001:db8::1", "127.0.0.1", "example.com"])("%p survives the round trip through a URL", (host) => {
    const url = new URL(`http://${bracketHost(host)}:8720/`);
    expect(unbracketHost(url.hostname)).toBe(host);
    expect(url.port).toBe("8720");
  });
});

describe("unbracketHost", () => {
  test.each([
    ["[::1]", "::1", "IPv6 loopback"],
    ["[2001:db8::1]", "2001:db8::1", "an IPv6 literal"],
    ["127.0.0.1", "127.0.0.1", "an IPv4 address"],
    ["example.com", "example.com", "a name"],
    ["[::1", "[::1", "an opening bracket alone"],
    ["::1]", "::1]", "a closing bracket alone"],
  ])("reads %p as %p (%s)", (hostname, bare) => {
    expect(unbracketHost(hostname)).toBe(bare);
  });
});
