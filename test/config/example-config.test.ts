/**
 * config.example.toml is what operators copy: it must load, show every key
 * the schema knows, and explain each one in a comment. Its event catalog is
 * commented out (copied as is, the file accepts any event type); removing
 * the "# " in front of the catalog's lines, as the file says, must give a
 * catalog that loads.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { loadConfig } from "../../src/config/load.ts";
import { configSchema, eventTypeSchema, sectionSchemas } from "../../src/config/schema.ts";
import { eventSchemas } from "../../src/http/schemas/event.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

const EXAMPLE = join(import.meta.dir, "../../config.example.toml");

/** A `key = value` line (bare or dotted key); array continuation lines do not match. */
const KEY_LINE = /^\s*[A-Za-z0-9_-]+(\s*\.\s*[A-Za-z0-9_-]+)*\s*=/;
/** TOML string literals, removed before looking for a trailing `#`. */
const STRINGS = /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\]|\\.)*"|'[^']*'/g;

/** The heading of the commented-out catalog, after which its lines start with "# ". */
const CATALOG_HEADING = "# The event catalog (optional).";
/** A commented-out catalog line: "# [[event_types]]" or "# key = value". */
const COMMENTED_CATALOG_LINE = /^# (\[\[event_types\]\]|[a-z_]+ = .*)$/;

/** The example with its catalog switched on the way the file tells the reader to: remove the "# " in front of its lines. */
function withCatalog(text: string): string {
  const heading = text.indexOf(CATALOG_HEADING);
  if (heading < 0) throw new Error(`config.example.toml has no line starting ${JSON.stringify(CATALOG_HEADING)}`);
  const catalog = text
    .slice(heading)
    .split("\n")
    .map((line) => (COMMENTED_CATALOG_LINE.test(line) ? line.slice(2) : line))
    .join("\n");
  return text.slice(0, heading) + catalog;
}

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

  test("has no catalog switched on, so an event of any type is accepted", () => {
    const { config } = loadConfig({ path: EXAMPLE, env: {}, cwd: dir.path });
    expect(config.event_types).toEqual([]);
    expect(eventSchemas(config).event.safeParse({ type: "order.created", data: {} }).success).toBe(true);
  });

  test("has a commented-out catalog that loads once its lines are uncommented, each entry with every key", () => {
    const path = dir.join("with-catalog.toml");
    writeFileSync(path, withCatalog(readFileSync(EXAMPLE, "utf8")));
    const { config } = loadConfig({ path, env: {}, cwd: dir.path });
    expect(config.event_types.map((t) => t.name)).toEqual([
      "message.sent",
      "message.delivered",
      "message.failed",
      "message.received",
      "credit.purchased",
      "credit.low",
      "contact.opted_out",
    ]);
    const doc = parseToml(readFileSync(path, "utf8")) as { event_types: Record<string, unknown>[] };
    for (const entry of doc.event_types) expect(Object.keys(entry).sort()).toEqual(Object.keys(eventTypeSchema.shape).sort());
    for (const t of config.event_types) expect(t.description).not.toBe("");
    // Switched on, the catalog refuses what it does not list.
    expect(eventSchemas(config).event.safeParse({ type: "order.created", data: {} }).success).toBe(false);
    expect(eventSchemas(config).event.safeParse({ type: "message.delivered", data: {} }).success).toBe(true);
  });
});
