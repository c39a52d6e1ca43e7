import { describe, expect, test } from "bun:test";
import { isListenAddress, parseListen } from "../../src/domain/listen.ts";

describe("parseListen", () => {
  test.each([
    ["127.0.0.1:8720", "127.0.0.1", 8720],
    ["0.0.0.0:80", "0.0.0.0", 80],
    ["localhost:0", "localhost", 0],
    ["gateway.internal:65535", "gateway.internal", 65535],
    ["[::1]:8720", "::1", 8720],
    ["[::]:8720", "::", 8720],
    ["[2001:db8::1]:443", "2001:db8::1", 443],
    ["[::ffff:127.0.0.1]:1", "::ffff:127.0.0.1", 1],
  ])("splits %p into host %p and port %p", (text, hostname, port) => {
    expect(parseListen(text)).toEqual({ hostname, port });
    expect(isListenAddress(text)).toBe(true);
  });

  test.each([
    ["", "an empty string"],
    ["localhost", "a host without a port"],
    [":8720", "a port without a host"],
    ["127.0.0.1:", "an empty port"],
    ["127.0.0.1:65536", "a port above 65535"],
    ["127.0.0.1:123456", "a six-digit port"],
    ["127.0.0.1:-1", "a negative port"],
    ["127.0.0.1:http", "a service name as port"],
    ["::1:8720", "IPv6 without brackets"],
    ["[::1]", "brackets without a port"],
    ["[:]:8720", "brackets holding no IPv6 address"],
    ["[1.2.3.4]:8720", "brackets holding an IPv4 address"],
    ["[1:2:3:4:5:6:7:8:9]:8720", "brackets holding too many groups"],
    ["http://127.0.0.1:8720", "a URL"],
    ["127.0.0.1:8720/", "a trailing slash"],
    ["host name:80", "a space in the host"],
  ])("rejects %p (%s)", (text) => {
    expect(parseListen(text)).toBeNull();
    expect(isListenAddress(text)).toBe(false);
  });
});
