/**
 * constantTimeEqual, the admin token check, looks at every byte: a
 * difference anywhere is found, so it cannot be stopping at the first
 * mismatch or at a prefix. (Its timing cannot be measured reliably in a
 * test, so these check what a short-circuit would get wrong instead.)
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { constantTimeEqual, generateAdminToken } from "../../src/domain/secret.ts";

const TOKEN = generateAdminToken((n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));

/** `s` with the character at `i` replaced by another. */
function changedAt(s: string, i: number): string {
  const other = s[i] === "A" ? "B" : "A";
  return s.slice(0, i) + other + s.slice(i + 1);
}

describe("constantTimeEqual compares every byte", () => {
  test("a token differing only in its first, a middle or its last character is refused", () => {
    for (const i of [0, Math.floor(TOKEN.length / 2), TOKEN.length - 1]) {
      const near = changedAt(TOKEN, i);
      expect(near).toHaveLength(TOKEN.length);
      expect(constantTimeEqual(near, TOKEN)).toBe(false);
      expect(constantTimeEqual(TOKEN, near)).toBe(false);
    }
    expect(constantTimeEqual(TOKEN, `${TOKEN}`)).toBe(true);
  });

  test("a prefix, an extension or a NUL-padded copy of the token is refused", () => {
    for (const other of [TOKEN.slice(0, -1), `${TOKEN}A`, `${TOKEN}\u0000`, "", TOKEN.slice(0, 1)]) {
      expect(constantTimeEqual(other, TOKEN)).toBe(false);
      expect(constantTimeEqual(TOKEN, other)).toBe(false);
    }
  });

  test("for any string and any single position, changing that one character is noticed", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", minLength: 1, maxLength: 200 }).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }))),
        ([s, i]) => {
          expect(constantTimeEqual(s, s.slice())).toBe(true);
          const changed = changedAt(s, i);
          if (changed !== s) expect(constantTimeEqual(s, changed)).toBe(false);
        },
      ),
      { seed: 20260115, numRuns: 300 },
    );
  });

  test("characters that share their first UTF-8 byte are told apart by the last (é against è)", () => {
    expect(Buffer.from("é")[0]).toBe(Buffer.from("è")[0]!);
    expect(constantTimeEqual(`${TOKEN}é`, `${TOKEN}è`)).toBe(false);
    expect(constantTimeEqual(`${TOKEN}é`, `${TOKEN}é`)).toBe(true);
  });
});
