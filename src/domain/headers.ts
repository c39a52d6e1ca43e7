/**
 * Header rules shared by the config (signature header name) and the endpoint
 * API (custom headers): names must be valid tokens, and the headers hookgate
 * sets itself cannot be replaced, or a receiver could not trust them.
 */

/** Headers hookgate writes on every delivery; endpoints may not override them. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "host",
  "connection",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

/** True for an RFC 9110 token made of letters, digits and the usual punctuation. */
export function isHeaderName(name: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name) && name.length <= 256;
}

/** True for a header value without control characters (CR/LF would split headers). */
export function isHeaderValue(value: string): boolean {
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(value) && value.length <= 8192;
}
