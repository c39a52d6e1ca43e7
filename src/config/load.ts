/**
 * Loading the configuration: TOML file (explicit path, else ./hookgate.toml
 * when present, else nothing), then HOOKGATE_<SECTION>_<KEY> environment
 * overrides, then one validation that reports every problem at once.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { maskUrlPassword } from "../domain/postgres-url.ts";
import { MASK } from "./render.ts";
import { configSchema, KEY_FORMATS, sectionSchemas, serveConfigSchema, type Config, type SectionName } from "./schema.ts";

/** Exit code for a configuration error (sysexits EX_CONFIG). */
export const CONFIG_EXIT_CODE = 78;

/** Every problem found in a configuration, one readable line each. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface LoadOptions {
  /** --config; when absent ./hookgate.toml is used if it exists. */
  path?: string | undefined;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Apply serve's own rules too (serveConfigSchema): serve and check-config do, the other commands do not. */
  forServe?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or null when running on the built-in defaults. */
  file: string | null;
  /** The keys a HOOKGATE_ variable set, in the order of the config file's sections and keys. */
  overrides: EnvOverride[];
  /** Durations and sizes as they were written (file or environment), so check-config can show them so. */
  written: WrittenValues;
}

/** One key set from the environment. */
export interface EnvOverride {
  /** "section.key" */
  key: string;
  variable: string;
}

/** "section.key" → the text of a duration or size key (a list for retry_schedule), as written. */
export type WrittenValues = Record<string, string | string[]>;

const ENV_PREFIX = "HOOKGATE_";

/** Loads and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const file = chooseFile(options.path, cwd);
  const raw = file ? readToml(file) : {};
  // Problems from the environment name their variable, not the file.
  const problems: string[] = [];
  const envSources = applyEnv(raw, env, problems);
  // reportInput: a cross-field issue on a defaulted key can still show its value.
  const result = (options.forServe ? serveConfigSchema : configSchema).safeParse(raw, { reportInput: true });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const fromEnv = envSources.has(issue.path.slice(0, 2).join("."));
      problems.push(...describeIssue(issue, raw, envSources).map((p) => (file && !fromEnv ? `${file}: ${p}` : p)));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const keyOrder = Object.entries(sectionSchemas).flatMap(([section, schema]) => Object.keys(schema.shape).map((key) => `${section}.${key}`));
  const overrides = [...envSources]
    .map(([key, variable]) => ({ key, variable }))
    .sort((a, b) => keyOrder.indexOf(a.key) - keyOrder.indexOf(b.key));
  return { config: result.data!, file, overrides, written: writtenValues(raw) };
}

/** The text of every duration and size key that was written; only called on a document that validated. */
function writtenValues(raw: Record<string, unknown>): WrittenValues {
  const written: WrittenValues = {};
  for (const [path, format] of Object.entries(KEY_FORMATS)) {
    // Only durations and sizes: a secret or a URL with a password is never kept as written.
    if (format === "secret" || format === "url") continue;
    const value = valueAt(raw, path.split("."));
    if (typeof value === "string") written[path] = value.trim();
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) written[path] = value.map((v) => v.trim());
  }
  return written;
}

function chooseFile(path: string | undefined, cwd: string): string | null {
  if (path !== undefined) {
    const full = resolve(cwd, path);
    if (!existsSync(full)) throw new ConfigError([`${path}: config file not found`]);
    return full;
  }
  const fallback = resolve(cwd, "hookgate.toml");
  return existsSync(fallback) ? fallback : null;
}

function readToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([`${file}: cannot read config file: ${(err as Error).message}`]);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      // smol-toml appends a code excerpt after the first line; the position is enough.
      const reason = err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new ConfigError([`${file}:${err.line}:${err.column}: TOML syntax error: ${reason}`]);
    }
    throw err;
  }
}

/**
 * Writes HOOKGATE_<SECTION>_<KEY> values into the raw document and returns
 * which env variable set which key path, so errors can name the variable.
 */
function applyEnv(raw: Record<string, unknown>, env: Record<string, string | undefined>, problems: string[]): Map<string, string> {
  const sources = new Map<string, string>();
  const known = new Map<string, [SectionName, string]>();
  for (const [section, schema] of Object.entries(sectionSchemas) as [SectionName, z.ZodObject][]) {
    for (const key of Object.keys(schema.shape)) known.set(`${ENV_PREFIX}${section}_${key}`.toUpperCase(), [section, key]);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const target = known.get(name);
    if (!target) {
      const hint = closest(name, [...known.keys()]);
      problems.push(`${name}: unknown environment setting${hint ? ` (did you mean ${hint}?)` : ""}; settings are ${ENV_PREFIX}<SECTION>_<KEY>, e.g. HOOKGATE_SERVER_LISTEN`);
      continue;
    }
    const [section, key] = target;
    const existing = raw[section];
    const table = existing && typeof existing === "object" && !Array.isArray(existing) ? (existing as Record<string, unknown>) : {};
    raw[section] = table;
    table[key] = coerceEnv(`${section}.${key}`, value);
    sources.set(`${section}.${key}`, name);
  }
  return sources;
}

/**
 * Env values are strings; keys whose TOML form is not a string (booleans,
 * numbers, lists) are read as a TOML value, so `true`, `256` and
 * `["1s","2s"]` work. A list may also be written "1s,2s".
 */
function coerceEnv(path: string, value: string): unknown {
  const format = KEY_FORMATS[path];
  if (format === "durations") {
    const parsed = tomlValue(value);
    return Array.isArray(parsed) ? parsed : value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  if (format !== undefined) return value;
  const [section, key] = path.split(".") as [SectionName, string];
  const fallback = (configSchema.parse({})[section] as Record<string, unknown>)[key];
  if (typeof fallback === "string") return value;
  return tomlValue(value) ?? value;
}

function tomlValue(text: string): unknown {
  try {
    return (parseToml(`v = ${text}`) as { v: unknown }).v;
  } catch (err) {
    if (err instanceof TomlError) return undefined; // not a TOML value: validation will report the raw string
    throw err;
  }
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>, envSources: Map<string, string>): string[] {
  if (issue.code === "unrecognized_keys") {
    const parentPath = issue.path;
    const candidates = knownKeysAt(parentPath);
    return issue.keys.map((key) => {
      const where = formatPath([...parentPath, key]);
      const hint = closest(key, candidates);
      return `${where}: unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`;
    });
  }
  const where = formatPath(issue.path);
  const value = valueAt(raw, issue.path) ?? issue.input;
  const shown = value === undefined ? "" : ` = ${JSON.stringify(shownValue(value, KEY_FORMATS[issue.path.slice(0, 2).join(".")]))}`;
  const env = envSources.get(issue.path.slice(0, 2).join("."));
  const from = env && issue.path.length >= 2 ? ` (from ${env})` : "";
  const message = issue.code === "invalid_type" && value === undefined ? `missing; ${issue.message}` : issue.message;
  return [`${where}${shown}${from}: ${message}`];
}

/** A rejected secret is still somebody's secret: a problem line says what is wrong, not what it was. */
function shownValue(value: unknown, format: string | undefined): unknown {
  if (value === "") return value;
  if (format === "secret") return MASK;
  if (format === "url") return typeof value === "string" ? maskUrlPassword(value, MASK) : MASK;
  return value;
}

function knownKeysAt(path: PropertyKey[]): string[] {
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (path[0] === "event_types") return ["name", "description", "example"];
  const section = sectionSchemas[path[0] as SectionName];
  return section ? Object.keys(section.shape) : [];
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("") || "(top level)";
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let node = root;
  for (const p of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return node;
}

/** The candidate nearest to `word` by edit distance, if it is plausibly a typo. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
