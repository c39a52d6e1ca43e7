/**
 * The two signatures a subscriber receives (the README's "What a subscriber
 * receives").
 *
 * `webhook-signature` follows Standard Webhooks: HMAC-SHA256 over
 * "<msg id>.<unix seconds>.<raw body>", keyed with the bytes the base64 after
 * "whsec_" decodes to, written as "v1,<base64>". The simple header is the hex
 * HMAC-SHA256 of the raw body alone, keyed with the whole secret string as
 * UTF-8, for receivers that only want one line of code to check it.
 *
 * Both headers carry one entry per active secret, so a receiver that still
 * holds the old secret during a rotation keeps verifying. node:crypto is used
 * rather than WebCrypto because it is synchronous and far cheaper per request.
 */
import { createHmac } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** Decodes the key bytes of a "whsec_…" secret; throws on a malformed one, since secrets are validated where they enter. */
function standardKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new TypeError('signing secret must start with "whsec_"');
  }
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
  // An empty key would still produce a signature, one anybody can forge.
  if (key.length === 0) throw new TypeError("signing secret has no key bytes after whsec_");
  return key;
}

/** Refuses an empty secret list: a header without an entry would send the event unsigned. */
function requireSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) throw new RangeError("at least one signing secret is required");
}

/** The Standard Webhooks signature "v1,<base64>" of one message under one secret. */
export function standardSignature(secret: string, msgId: string, timestampSec: number, body: string): string {
  // The receiver signs the header text; "1.5" or "1e+21" would never match what it reads back as unix seconds.
  if (!Number.isSafeInteger(timestampSec) || timestampSec < 0) {
    throw new RangeError(`timestamp must be whole unix seconds, got ${timestampSec}`);
  }
  const mac = createHmac("sha256", standardKey(secret)).update(`${msgId}.${timestampSec}.${body}`, "utf8");
  return `v1,${mac.digest("base64")}`;
}

/** The `webhook-signature` value: one "v1," entry per secret, space-separated, in the order given (current first). */
export function standardSignatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  requireSecrets(secrets);
  return secrets.map((secret) => standardSignature(secret, msgId, timestampSec, body)).join(" ");
}

/** Lowercase hex HMAC-SHA256 of the raw body, keyed with the whole secret string (prefix included) as UTF-8. */
export function simpleSignature(secret: string, body: string): string {
  if (secret === "") throw new TypeError("signing secret must not be empty");
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(body, "utf8").digest("hex");
}

/** The simple signature header value: one hex entry per secret, comma-separated without spaces, newest first (order given). */
export function simpleSignatureHeader(secrets: readonly string[], body: string): string {
  requireSecrets(secrets);
  return secrets.map((secret) => simpleSignature(secret, body)).join(",");
}
