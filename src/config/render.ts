/**
 * Renders the effective configuration back into TOML for `check-config`,
 * with durations and sizes in config syntax and secrets masked, so the output
 * can be pasted back into a file and parses to the same configuration.
 * Durations and sizes the user wrote are shown as written ("24h" stays
 * "24h"); defaults are written out by formatDuration and formatSize.
 * storage.url is shown with its password masked (scheme, user, host, port
 * and database stay readable).
 */
import { stringify } from "smol-toml";
import { formatDuration, formatSize } from "../domain/duration.ts";
import { maskUrlPassword } from "../domain/postgres-url.ts";
import type { EnvOverride, WrittenValues } from "./load.ts";
import { KEY_FORMATS, type Config } from "./schema.ts";

export const MASK = "********";

/** TOML text of `config`, secrets shown as ******** when set; `written` holds the user's own duration and size texts. */
export function renderConfig(config: Config, written: WrittenValues = {}): string {
  const doc: Record<string, unknown> = {};
  for (const [section, values] of Object.entries(config)) {
    if (section === "event_types") continue;
    const table: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      const path = `${section}.${key}`;
      table[key] = written[path] ?? renderValue(KEY_FORMATS[path], value);
    }
    doc[section] = table;
  }
  doc.event_types = config.event_types;
  return stringify(doc);
}

function renderValue(format: string | undefined, value: unknown): unknown {
  switch (format) {
    case "duration":
      return formatDuration(value as number);
    case "durations":
      return (value as number[]).map(formatDuration);
    case "size":
      return formatSize(value as number);
    case "secret":
      return value === "" ? "" : MASK;
    case "url":
      return value === "" ? "" : maskUrlPassword(value as string, MASK);
    default:
      return value;
  }
}

/**
 * The comment lines check-config prints above the TOML: where the
 * configuration came from, and the keys the environment set, if any.
 */
export function renderSources(file: string | null, overrides: EnvOverride[]): string {
  const lines = [`# effective configuration: ${file ?? "built-in defaults (no config file)"}`];
  if (overrides.length > 0) {
    lines.push(`# set from the environment: ${overrides.map((o) => `${o.key} (${o.variable})`).join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}
