/**
 * Hosts in and out of URL form. An IPv6 address goes into a URL or a
 * "host:port" in brackets (RFC 3986 §3.2.2), since its colons would read as
 * a port; `URL.hostname` keeps those brackets, while name resolution,
 * address checks and connect want the bare address.
 */

/** The host as a URL or "host:port" writes it: a bare IPv6 address in brackets, anything else as is. */
export function bracketHost(host: string): string {
  // Only IPv6 addresses contain a colon; names and IPv4 addresses never do.
  return host.includes(":") ? `[${host}]` : host;
}

/** The bare host of a `URL.hostname`: an IPv6 literal without its brackets, anything else as is. */
export function unbracketHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1");
}
