/**
 * The response headers as the delivery log keeps them: bounded, whatever
 * the receiver sent. A receiver can send a megabyte of headers, so at most
 * RESPONSE_HEADERS_LIMIT bytes are kept (each value at most
 * RESPONSE_HEADER_VALUE_LIMIT); what is left out is counted under the key
 * NOT_KEPT_KEY, which no real header can have.
 */

/** Most bytes of one response header value the delivery log keeps. */
export const RESPONSE_HEADER_VALUE_LIMIT = 4096;
/** Most bytes of response header names and values, together, the delivery log keeps. */
export const RESPONSE_HEADERS_LIMIT = 16 * 1024;
/** The key that counts the response headers left out; not a valid header name, so it cannot collide with one. */
export const NOT_KEPT_KEY = "(not kept)";

/**
 * Lower-case names in the order they first came, repeated headers joined
 * with ", ". Collected in a Map and turned into an object with fromEntries,
 * which defines own properties: names such as `constructor` or `__proto__`
 * are recorded as sent instead of colliding with Object.prototype.
 */
export function headerRecord(headers: Iterable<[string, string]>): Record<string, string> {
  const all = new Map<string, string>();
  for (const [name, value] of headers) {
    const earlier = all.get(name);
    all.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  const kept: [string, string][] = [];
  let used = 0;
  let omitted = 0;
  let omittedBytes = 0;
  for (const [name, value] of all) {
    const cut = value.length - RESPONSE_HEADER_VALUE_LIMIT;
    const shown = cut > 0 ? `${value.slice(0, RESPONSE_HEADER_VALUE_LIMIT)}…[${cut} more bytes not kept]` : value;
    // Skip rather than stop: a short header further on (retry-after) still fits.
    if (used + name.length + shown.length > RESPONSE_HEADERS_LIMIT) {
      omitted++;
      omittedBytes += name.length + value.length;
      continue;
    }
    kept.push([name, shown]);
    used += name.length + shown.length;
  }
  if (omitted > 0) kept.push([NOT_KEPT_KEY, `${omitted} more headers, ${omittedBytes} bytes: the delivery log keeps ${RESPONSE_HEADERS_LIMIT} bytes of response headers`]);
  return Object.fromEntries(kept);
}
