/**
 * config.example.toml is what operators copy: it must load, show every key
 * the schema knows, and explain each one in a comment.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { loadConfig } from "../../src/config/load.ts";
import { configSchema, sectionSchemas } from "../../src/config/schema.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

const EXAMPLE = join(import.meta.dir, "../../config.example.toml");

/** A `key = value` line (bare or dotted key); array continuation lines do not match. */
const KEY_LINE = /^\s*[A-Za-z0-9_-]+(\s*\.\s*[A-Za-z0-9_-]+)*\s*=/;
/** TOML string literals, removed before looking for a trailing `#`. */
const STRINGS = /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\]|\\.)*"|'[^']*'/g;

let dir: TempDir;

beforeEach(() => {
  dir = createTempDir("hookgate-example-");
});
afterEach(() => dir.cleanup());

describe("config.example.toml", () => {
  test("loads without error", () => {
    const loaded = loadConfig({ path: EXAMPLE, env: {}, cwd: dir.path });
    expect(loaded.file).toBe(EXAMPLE);
  });

  test("shows the default of every key it lists, as its header says", () => {
    const { config } = loadConfig({ path: EXAMPLE, env: {}, cwd: dir.path });
    const defaults = configSchema.parse({});
    for (const section of Object.keys(sectionSchemas) as (keyof typeof sectionSchemas)[]) {
      expect({ section, values: config[section] }).toEqual({ section, values: defaults[section] });
    }
  });

  test("lists every key of every section of the schema", () => {
    const doc = parseToml(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown>;
    const missing: string[] = [];
    for (const [section, schema] of Object.entries(sectionSchemas)) {
      const table = (doc[section] ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(schema.shape)) if (!(key in table)) missing.push(`${section}.${key}`);
    }
    expect(missing).toEqual([]);
  });

  test("explains every key = value line with a # comment on the line before or at its end", () => {
    const lines = readFileSync(EXAMPLE, "utf8").split("\n");
    const unexplained: string[] = [];
    lines.forEach((line, i) => {
      if (!KEY_LINE.test(line)) return;
      const trailing = line.replace(STRINGS, "").includes("#");
      const before = i > 0 && lines[i - 1]!.trim().startsWith("#");
      if (!trailing && !before) unexplained.push(`line ${i + 1}: ${line.trim()}`);
    });
    expect(unexplained).toEqual([]);
  });
});
