import { describe, expect, test } from "bun:test";
import { blockReasonForHost, blockReasonForIp, parseIPv4, parseIPv6, type BlockReason } from "../../src/domain/address.ts";

describe("blockReasonForIp", () => {
  test.each<[string, BlockReason]>([
    // IPv4 loopback in every inet_aton spelling
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["127.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["2130706433", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["0x7f000001", "loopback"],
    ["0x7F.0.0.1", "loopback"],
    ["017700000001", "loopback"],
    ["127.0.1", "loopback"],
    // private
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["012.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.1", "private"],
    ["192.168.255.255", "private"],
    // carrier-grade NAT
    ["100.64.0.1", "shared_address_space"],
    ["100.127.255.255", "shared_address_space"],
    // link-local and cloud metadata
    ["169.254.0.1", "link_local"],
    ["169.254.169.253", "link_local"],
    ["169.254.169.254", "cloud_metadata"],
    ["0xa9.0xfe.0xa9.0xfe", "cloud_metadata"],
    ["2852039166", "cloud_metadata"],
    // multicast, unspecified, broadcast, reserved
    ["224.0.0.1", "multicast"],
    ["239.255.255.255", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.0.8", "reserved"],
    ["192.88.99.1", "reserved"],
    // documentation and benchmarking
    ["192.0.2.1", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.200", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    // IPv6 special addresses
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["[::1]", "loopback"],
    ["fe80::1", "link_local"],
    ["fe80::1%eth0", "link_local"],
    ["[fe80::1%25eth0]", "link_local"],
    ["febf::1", "link_local"],
    ["fec0::1", "reserved"],
    ["fc00::1", "unique_local"],
    ["fd12:3456::1", "unique_local"],
    ["fd00:ec2::254", "cloud_metadata"],
    ["fd00:ec2:0:0:0:0:0:254", "cloud_metadata"],
    ["fd00:ec2:1::254", "unique_local"],
    ["ff02::1", "multicast"],
    ["FF05::1:3", "multicast"],
    ["2001:db8::1", "documentation"],
    ["2001:0:4136:e378::1", "reserved"],
    ["100::1", "reserved"],
    ["64:ff9b:1::1", "reserved"],
    // IPv6 forms that embed an IPv4 address
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:0:127.0.0.1", "loopback"],
    ["::ffff:0:10.0.0.1", "private"],
    ["0:0:0:0:0:ffff:7f00:1", "loopback"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a9fe:a9fe", "cloud_metadata"],
    ["::127.0.0.1", "loopback"],
    ["::192.168.1.1", "private"],
    ["::8.8.8.8", "reserved"],
    ["64:ff9b::7f00:1", "loopback"],
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b::169.254.169.254", "cloud_metadata"],
    ["2002:7f00:1::1", "loopback"],
    ["2002:c0a8:0101::1", "private"],
    ["2002:a9fe:a9fe::", "cloud_metadata"],
  ])("blocks %p as %p", (ip, reason) => {
    expect(blockReasonForIp(ip)).toBe(reason);
  });

  test.each([
    "8.8.8.8",
    "1.1.1.1",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700::1111",
    "2a00:1450:4001:800::200e",
    "::ffff:8.8.8.8",
    "::ffff:808:808",
    "::ffff:0:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2002:808:808::1",
  ])("leaves the public address %p unblocked (null)", (ip) => {
    expect(blockReasonForIp(ip)).toBeNull();
  });

  test.each([
    "256.1.1.1",
    "1.2.3.4.5",
    "1.2.3.",
    ".1.2.3",
    "1..2.3",
    "08.0.0.1",
    "0x100.1",
    "4294967296",
    "1.2.65536",
    "1:2:3:4:5:6:7:8:9",
    ":::1",
    "1::2::3",
    "1:2:3:4:5:6:7:8::",
    "12345::1",
    "g::1",
    "::ffff:1.2.3",
    "::ffff:256.0.0.1",
    "::ffff:0177.0.0.1",
    "::1.2.3.4:5",
    "[::1",
    "",
    "example.com",
  ])("answers undefined for %p, which is not an IP address", (text) => {
    expect(blockReasonForIp(text)).toBeUndefined();
  });
});

describe("parseIPv4", () => {
  test.each([
    ["1.2.3.4", 0x01020304],
    ["1.2.772", 0x01020304],
    ["1.131844", 0x01020304],
    ["16909060", 0x01020304],
    ["0x1.0x2.0x3.0x4", 0x01020304],
    ["01.02.03.04", 0x01020304],
    ["0x", 0],
    ["255.255.255.255", 0xffffffff],
  ])("reads %p as %p", (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });
});

describe("parseIPv6", () => {
  test.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["1:2:3:4:5:6:7::", [1, 2, 3, 4, 5, 6, 7, 0]],
    ["::ffff:1.2.3.4", [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]],
    ["[2001:db8::1]", [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
    ["fe80::abcd%eth0", [0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd]],
  ])("reads %p as its eight groups", (text, groups) => {
    expect(parseIPv6(text)).toEqual(groups);
  });
});

describe("blockReasonForHost", () => {
  test.each<[string, BlockReason | null]>([
    ["localhost", "loopback"],
    ["LOCALHOST.", "loopback"],
    ["foo.localhost", "loopback"],
    ["a.b.LocalHost", "loopback"],
    ["127.0.0.1", "loopback"],
    ["127.0.0.1.", "loopback"],
    ["0x7f.1", "loopback"],
    ["[::1]", "loopback"],
    ["[::ffff:169.254.169.254]", "cloud_metadata"],
    ["10.1.2.3", "private"],
    ["example.com", null],
    ["localhost.example.com", null],
    ["notlocalhost", null],
    ["8.8.8.8", null],
    ["[2606:4700::1111]", null],
  ])("answers %p with %p", (host, reason) => {
    expect(blockReasonForHost(host)).toBe(reason);
  });
});
