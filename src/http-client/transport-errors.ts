/**
 * Turns what one attempt failed with (a socket or TLS error from Bun.connect,
 * or the HTTP/1.1 parser's refusal) into a TransportError and a message an
 * operator can act on. The socket codes are the ones Bun 1.4.4 was observed
 * to report, against real misbehaving servers (see
 * test/http-client/hostile-*.test.ts).
 */

/**
 * Why an attempt got no complete response. "interrupted" is the client's own
 * close() cutting it off (hookgate stopping): not the receiver's doing.
 */
export type TransportError = "timeout" | "connection_refused" | "connection_reset" | "dns" | "tls" | "blocked_address" | "interrupted";

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO|HOSTNAME_MISMATCH|INVALID_CA)/;
const REFUSED_CODES = new Set(["ECONNREFUSED", "ConnectionRefused", "ENETUNREACH", "EHOSTUNREACH", "EADDRNOTAVAIL", "FailedToOpenSocket"]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "DNSException"]);

// The HTTP/1.1 parser's refusals (http1-response-parser.ts); their messages say what the receiver did.
const PROTOCOL_CODES = new Set(["MALFORMED_RESPONSE", "TOO_MANY_HEADERS", "HEADERS_TOO_LARGE", "UNREQUESTED_UPGRADE", "BAD_CHUNK"]);

/** Maps an error code onto a TransportError; anything unrecognised is a broken-off exchange. */
function transportCode(code: string): TransportError {
  if (REFUSED_CODES.has(code)) return "connection_refused";
  if (DNS_CODES.has(code)) return "dns";
  if (TLS_CODES.test(code)) return "tls";
  if (code === "TimeoutError" || code === "ETIMEDOUT") return "timeout";
  // ECONNRESET, EPIPE, a FIN mid-body, a malformed response: the exchange broke off.
  return "connection_reset";
}

/** The code of a thrown value: its `code` property when it has one, else its name. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return err instanceof Error ? err.name : "Error";
}

// Bun appends debugging advice and the pinned URL; neither helps someone reading the delivery log.
function cleanMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*fetching "[^"]*"\.?/, "").replace(/\s*For more information, pass `verbose: true`.*$/s, "").trim();
}

/** Where the failure happened, for the message: the destination, and " while reading …" once a status arrived. */
export interface FailureContext {
  where: string;
  during: string;
}

/** Classifies a failure that was neither our deadline nor our own close(). */
export function describeFailure(err: unknown, { where, during }: FailureContext): { code: TransportError; message: string } {
  const code = errorCode(err);
  const kind = transportCode(code);
  const cleaned = cleanMessage(err);
  const protocol = PROTOCOL_CODES.has(code) ? cleaned : undefined;
  const detail = protocol ? `${protocol} (${code})` : `${cleaned}${cleaned.includes(code) ? "" : ` (${code})`}`;
  if (kind === "connection_refused") return { code: kind, message: `could not connect to ${where}: ${detail}` };
  if (kind === "tls") return { code: kind, message: `TLS with ${where} failed: ${detail}` };
  if (protocol) return { code: kind, message: `unusable response from ${where}${during}: ${detail}` };
  if (kind === "connection_reset") return { code: kind, message: `connection to ${where} broke off${during || " before a response arrived"}: ${detail}` };
  return { code: kind, message: `request to ${where} failed${during}: ${detail}` };
}
