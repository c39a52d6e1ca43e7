/**
 * packaging/hookgate.service, config.example.toml (what the README installs
 * as /etc/hookgate/hookgate.toml) and the README must agree on where the
 * data, and the generated admin token, end up.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "../../src/config/load.ts";

const ROOT = join(import.meta.dir, "../..");
const UNIT = readFileSync(join(ROOT, "packaging/hookgate.service"), "utf8");
const README = readFileSync(join(ROOT, "README.md"), "utf8");

/** Every value of `key=` in the unit, in order (comments left out). */
function settings(key: string): string[] {
  return UNIT.split("\n")
    .filter((line) => line.startsWith(`${key}=`))
    .map((line) => line.slice(key.length + 1));
}

/** The unit's Environment= assignments as a map. */
function unitEnvironment(): Record<string, string> {
  return Object.fromEntries(
    settings("Environment").map((assignment) => {
      const eq = assignment.indexOf("=");
      return [assignment.slice(0, eq), assignment.slice(eq + 1)];
    }),
  );
}

describe("the systemd unit", () => {
  const stateDir = `/var/lib/${settings("StateDirectory")[0]}`;

  test("runs in its state directory and reads the config the README installs", () => {
    expect(settings("StateDirectory")).toEqual(["hookgate"]);
    expect(settings("WorkingDirectory")).toEqual([stateDir]);
    expect(settings("ExecStart")).toEqual(["/usr/local/bin/hookgate serve --config /etc/hookgate/hookgate.toml"]);
    expect(README).toContain("sudo install -D -m 0644 config.example.toml /etc/hookgate/hookgate.toml");
  });

  test("keeps the data directly in the state directory with config.example.toml installed as its config", () => {
    const { config, overrides } = loadConfig({ path: join(ROOT, "config.example.toml"), env: unitEnvironment(), cwd: stateDir });
    expect(resolve(stateDir, config.storage.data_dir)).toBe(stateDir);
    expect(overrides).toEqual([{ key: "storage.data_dir", variable: "HOOKGATE_STORAGE_DATA_DIR" }]);
  });

  test("is where the README says the generated admin token is", () => {
    const { config } = loadConfig({ path: join(ROOT, "config.example.toml"), env: unitEnvironment(), cwd: stateDir });
    const tokenFile = join(resolve(stateDir, config.storage.data_dir), "admin.token");
    expect(README).toContain(`sudo cat ${tokenFile}`);
  });
});
