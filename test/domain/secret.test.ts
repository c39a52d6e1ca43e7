import { describe, expect, test } from "bun:test";
import { serverSchema, isValidSecret } from "../../src/config/schema.ts";
import { constantTimeEqual, generateAdminToken, generateSecret } from "../../src/domain/secret.ts";

/** Records the sizes asked for and answers bytes 0, 1, 2, … */
function recordingBytes() {
  const asked: number[] = [];
  const bytes = (n: number) => {
    asked.push(n);
    return Uint8Array.from({ length: n }, (_, i) => i);
  };
  return { asked, bytes };
}

describe("generateSecret", () => {
  test("writes whsec_ and the base64 of 32 random bytes", () => {
    const { asked, bytes } = recordingBytes();
    const secret = generateSecret(bytes);
    expect(asked).toEqual([32]);
    expect(secret).toBe(`whsec_${Buffer.from(bytes(32)).toString("base64")}`);
    expect(secret).toHaveLength("whsec_".length + 44);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });

  test.each([0x00, 0xfb, 0xff])("makes a secret the schema accepts from bytes all %p", (value) => {
    const secret = generateSecret((n) => new Uint8Array(n).fill(value));
    expect(isValidSecret(secret)).toBe(true);
    expect([...Buffer.from(secret.slice("whsec_".length), "base64")]).toEqual(new Array(32).fill(value));
  });
});

describe("generateAdminToken", () => {
  test("carries at least 256 bits: 32 random bytes, base64url, after hgat_", () => {
    const { asked, bytes } = recordingBytes();
    const token = generateAdminToken(bytes);
    expect(asked).toEqual([32]);
    expect(token.startsWith("hgat_")).toBe(true);
    const body = Buffer.from(token.slice("hgat_".length), "base64url");
    expect(body.length * 8).toBeGreaterThanOrEqual(256);
    expect([...body]).toEqual([...bytes(32)]);
  });

  test("makes a token the config accepts as server.admin_token, without characters that need quoting", () => {
    const token = generateAdminToken((n) => new Uint8Array(n).fill(0xff));
    expect(token).toMatch(/^hgat_[A-Za-z0-9_-]{43}$/);
    expect(serverSchema.safeParse({ admin_token: token }).success).toBe(true);
  });
});

describe("constantTimeEqual", () => {
  test.each([
    ["", "", true],
    ["a", "a", true],
    ["hgat_secret-token", "hgat_secret-token", true],
    ["héllo", "héllo", true],
    ["", "a", false],
    ["a", "", false],
    ["abc", "abd", false],
    ["abc", "xbc", false],
    ["abc", "abcd", false],
    ["abcd", "abc", false],
    ["abc", "ABC", false],
    ["a\u0000", "a", false],
    ["é", "e\u0301", false],
  ])("constantTimeEqual(%p, %p) is %p", (a, b, expected) => {
    expect(constantTimeEqual(a, b)).toBe(expected);
    expect(constantTimeEqual(b, a)).toBe(expected);
  });
});
