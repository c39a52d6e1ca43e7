/**
 * Prefixed, time-sortable ids: `<prefix>_` + 10 Crockford base32 characters
 * of milliseconds + 16 of randomness (ULID layout). Ids made by one generator
 * in the same millisecond still sort in creation order, because the random
 * part is incremented instead of drawn again.
 */

export type IdPrefix = "ep" | "evt" | "dlv" | "att" | "req" | "node";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export interface IdGenerator {
  (prefix: IdPrefix): string;
}

/** Builds a generator from a clock and a source of random bytes. */
export function createIdGenerator(
  now: () => number,
  randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): IdGenerator {
  let lastMs = -1;
  let lastRandom: Uint8Array = new Uint8Array(10);
  return (prefix) => {
    const ms = now();
    if (ms <= lastMs) {
      // When the random part wraps around, borrow the next millisecond so the order holds.
      if (incrementInPlace(lastRandom)) lastMs += 1;
    } else {
      lastMs = ms;
      // A copy: incrementing must not change the caller's buffer.
      lastRandom = Uint8Array.from(randomBytes(10));
    }
    return `${prefix}_${encodeTime(lastMs)}${encodeRandom(lastRandom)}`;
  };
}

/** The millisecond timestamp encoded in an id, or null if it is not one of ours. */
export function idTime(id: string): number | null {
  const m = /^[a-z]+_([0-9A-HJKMNP-TV-Z]{10})[0-9A-HJKMNP-TV-Z]{16}$/.exec(id);
  if (!m) return null;
  let ms = 0;
  for (const ch of m[1]!) ms = ms * 32 + ALPHABET.indexOf(ch);
  return ms;
}

/** True when `id` has the given prefix and the id shape. */
export function isId(prefix: IdPrefix, id: string): boolean {
  return id.startsWith(`${prefix}_`) && idTime(id) !== null;
}

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 characters of 5 bits each.
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31]!;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** Adds one to the big-endian number in `bytes`; true when it wrapped around to zero. */
function incrementInPlace(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) {
      bytes[i] = bytes[i]! + 1;
      return false;
    }
    bytes[i] = 0;
  }
  return true;
}
