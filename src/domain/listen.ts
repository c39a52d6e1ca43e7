/** "host:port" listen addresses: "127.0.0.1:8720", "[::1]:8720", "localhost:0". */
import { parseIPv6 } from "./address.ts";

export interface ListenAddress {
  hostname: string;
  port: number;
}

/** Splits a listen address; null when it is not host:port with a port 0–65535. */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65_535) return null;
  // Brackets hold an IPv6 address; "[:]" or "[1.2.3.4]" would only fail later, at bind.
  if (m[1] !== undefined && parseIPv6(m[1]) === null) return null;
  return { hostname: m[1] ?? m[2]!, port };
}

/** True when parseListen accepts it. */
export function isListenAddress(text: string): boolean {
  return parseListen(text) !== null;
}
