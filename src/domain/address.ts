/**
 * Which IP addresses a webhook may be sent to when private networks are not
 * allowed. Pure functions over address text: IPv4 in every inet_aton spelling
 * (127.1, 0x7f.1, 2130706433, 0177.0.0.1), IPv6 including the forms that
 * embed an IPv4 address (mapped, compatible, NAT64, 6to4).
 */

export type BlockReason =
  | "unspecified"
  | "loopback"
  | "private"
  | "shared_address_space"
  | "link_local"
  | "cloud_metadata"
  | "unique_local"
  | "multicast"
  | "broadcast"
  | "reserved"
  | "documentation"
  | "benchmarking";

interface Range4 {
  base: number;
  bits: number;
  reason: BlockReason;
}

function range4(cidr: string, reason: BlockReason): Range4 {
  const [addr, bits] = cidr.split("/") as [string, string];
  return { base: parseIPv4(addr)!, bits: Number(bits), reason };
}

// Most specific first: 169.254.169.254 is reported as metadata, not link-local.
const IPV4_BLOCKED: Range4[] = [
  range4("169.254.169.254/32", "cloud_metadata"),
  range4("255.255.255.255/32", "broadcast"),
  range4("0.0.0.0/8", "unspecified"),
  range4("10.0.0.0/8", "private"),
  range4("100.64.0.0/10", "shared_address_space"),
  range4("127.0.0.0/8", "loopback"),
  range4("169.254.0.0/16", "link_local"),
  range4("172.16.0.0/12", "private"),
  range4("192.0.0.0/24", "reserved"),
  range4("192.0.2.0/24", "documentation"),
  range4("192.88.99.0/24", "reserved"),
  range4("192.168.0.0/16", "private"),
  range4("198.18.0.0/15", "benchmarking"),
  range4("198.51.100.0/24", "documentation"),
  range4("203.0.113.0/24", "documentation"),
  range4("224.0.0.0/4", "multicast"),
  range4("240.0.0.0/4", "reserved"),
];

/**
 * Parses IPv4 the way inet_aton and URL parsers do: 1 to 4 parts, each
 * decimal, octal (leading 0) or hex (0x); the last part fills the remaining
 * bytes. Returns the address as an unsigned 32-bit number, or null.
 */
export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part, 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  let result = 0;
  for (const v of values) result = result * 256 + v;
  return result * 2 ** (8 * lastBytes) + last;
}

/** Parses IPv6 text (with ::, an IPv4 tail, or a %zone) into 8 groups, or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return null;
  // An IPv4 tail ("::ffff:1.2.3.4") is rewritten as its two hex groups.
  const lastColon = s.lastIndexOf(":");
  const v4text = s.slice(lastColon + 1);
  if (v4text.includes(".")) {
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(v4text) ? parseIPv4(v4text) : null;
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (h: string) => (h === "" ? [] : h.split(":").map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (halves.length === 1 && explicit !== 8) return null;
  if (halves.length === 2 && explicit > 7) return null;
  const zeros = new Array<number>(8 - explicit).fill(0);
  return halves.length === 2 ? [...head, ...zeros, ...rest] : head;
}

/** Why an IPv4 address (as a number) is blocked, or null when it is public. */
export function blockReasonIPv4(addr: number): BlockReason | null {
  for (const r of IPV4_BLOCKED) {
    const size = 2 ** (32 - r.bits);
    if (Math.floor(addr / size) === Math.floor(r.base / size)) return r.reason;
  }
  return null;
}

function embeddedV4(hi: number, lo: number): number {
  return hi * 65536 + lo;
}

/** Why an IPv6 address (8 groups) is blocked, or null when it is public. */
export function blockReasonIPv6(g: number[]): BlockReason | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const zeroFrom = (start: number, end: number) => g.slice(start, end).every((x) => x === 0);
  if (zeroTo(8)) return "unspecified";
  if (zeroTo(7) && g7 === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach the IPv4 address.
  if (zeroTo(5) && g5 === 0xffff) return blockReasonIPv4(embeddedV4(g6, g7));
  // ::ffff:0:a.b.c.d (IPv4-translated, SIIT) is translated to the IPv4 address too.
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return blockReasonIPv4(embeddedV4(g6, g7));
  if (zeroTo(6)) return blockReasonIPv4(embeddedV4(g6, g7)) ?? "reserved";
  // NAT64 well-known prefix 64:ff9b::/96 translates to the embedded IPv4.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return blockReasonIPv4(embeddedV4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "reserved"; // local-use NAT64
  // 6to4 2002:AABB:CCDD::/48 tunnels to IPv4 AA.BB.CC.DD.
  if (g0 === 0x2002) return blockReasonIPv4(embeddedV4(g1, g2)) ?? null;
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return "reserved"; // discard-only
  if (g0 === 0x2001 && g1 === 0xdb8) return "documentation";
  if (g0 === 0x2001 && g1 < 0x200) return "reserved"; // IETF protocol assignments, Teredo
  if ((g0 & 0xfe00) === 0xfc00) return g0 === 0xfd00 && g1 === 0xec2 && zeroFrom(2, 7) && g7 === 0x254 ? "cloud_metadata" : "unique_local";
  if ((g0 & 0xffc0) === 0xfe80) return "link_local";
  if ((g0 & 0xffc0) === 0xfec0) return "reserved"; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  return null;
}

/** Why an IP address literal is blocked, null when public, undefined when it is not an IP at all. */
export function blockReasonForIp(text: string): BlockReason | null | undefined {
  const v6 = parseIPv6(text);
  if (v6) return blockReasonIPv6(v6);
  const v4 = parseIPv4(text);
  if (v4 !== null) return blockReasonIPv4(v4);
  return undefined;
}

/**
 * Why a URL host is refused without resolving it: an IP literal in a blocked
 * range, or a localhost name. Names that need DNS are checked at connect time.
 */
export function blockReasonForHost(host: string): BlockReason | null {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return "loopback";
  return blockReasonForIp(h) ?? null;
}
