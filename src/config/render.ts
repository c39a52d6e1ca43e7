/**
 * Renders the effective configuration back into TOML for `check-config`,
 * with durations and sizes in config syntax and secrets masked, so the output
 * can be pasted back into a file and parses to the same configuration.
 */
import { stringify } from "smol-toml";
import { formatDuration, formatSize } from "../domain/duration.ts";
import { KEY_FORMATS, type Config } from "./schema.ts";

export const MASK = "********";

/** TOML text of `config`, secrets shown as ******** when set. */
export function renderConfig(config: Config): string {
  const doc: Record<string, unknown> = {};
  for (const [section, values] of Object.entries(config)) {
    if (section === "event_types") continue;
    const table: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      table[key] = renderValue(KEY_FORMATS[`${section}.${key}`], value);
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
    default:
      return value;
  }
}
