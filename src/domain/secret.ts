/** Endpoint secrets and admin tokens: generated from injected random bytes. */

/** A new endpoint secret: "whsec_" + base64 of 32 random bytes. */
export function generateSecret(randomBytes: (n: number) => Uint8Array): string {
  return `whsec_${Buffer.from(randomBytes(32)).toString("base64")}`;
}

/** A new admin token: 32 random bytes (256 bits), base64url, prefixed so it is recognisable in a leak scan. */
export function generateAdminToken(randomBytes: (n: number) => Uint8Array): string {
  return `hgat_${Buffer.from(randomBytes(32)).toString("base64url")}`;
}

/** Compares two strings in time that depends only on their lengths, not on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
