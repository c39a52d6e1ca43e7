/**
 * The HTTP client sits below delivery (DESIGN.md): it may use the pure
 * domain helpers, the runtime and its own modules, and nothing that knows
 * what a delivery, a store or an ingest is. Type-only imports count too: a
 * type from delivery/ would tie the client's shape to the engine's.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = join(import.meta.dir, "../../src/http-client");
const ALLOWED = [/^\.\/[a-z0-9-]+\.ts$/, /^\.\.\/domain\/[a-z0-9-]+\.ts$/, /^node:/, /^bun$/];

const files = readdirSync(DIR).filter((f) => f.endsWith(".ts"));

describe("src/http-client imports", () => {
  test("the directory holds the client's modules", () => {
    expect(files).toContain("http-client.ts");
  });

  test.each(files)("%s imports only its siblings, domain/, node: and bun", (file) => {
    const source = readFileSync(join(DIR, file), "utf8");
    const specifiers = [...source.matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2]!);
    expect(specifiers.filter((s) => !ALLOWED.some((pattern) => pattern.test(s)))).toEqual([]);
  });
});
