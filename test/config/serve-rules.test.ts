/**
 * serve's own rule on top of a valid configuration (API.md §6): with
 * driver "postgres" every process must agree on the admin token and the
 * callbacks secret, so both must be configured (file or environment) and
 * nothing is generated; a missing one stops start-up with exit 78 and one
 * line naming the key. Checked through loadConfig and through the real CLI.
 */
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { configProblems } from "../helpers/config-error.ts";
import { cleanupDaemons, runHookgate, tempDir, writeConfigFile } from "../helpers/daemon.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

afterAll(cleanupDaemons);

const TOKEN = "t".repeat(40);
const CALLBACKS_SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const DB_PASSWORD = "db-s3cr3t-pw";
/** Nothing listens on port 1: the start gets past the configuration and fails on the database. */
const UNREACHABLE_URL = `postgres://hookgate:${DB_PASSWORD}@127.0.0.1:1/hookgate`;
const POSTGRES = `[storage]\ndriver = "postgres"\nurl = "${UNREACHABLE_URL}"\n`;

const STACK_FRAME = "    at ";
const E2E_TIMEOUT_MS = 60_000;

const missing = (key: string, variable: string) =>
  `${key}: required with storage.driver = "postgres", as every process must use the same one (none may generate its own): set it in the file or as ${variable}`;

let dir: TempDir;
let file: string;

beforeEach(() => {
  dir = createTempDir("hookgate-serve-rules-");
  file = dir.join("hookgate.toml");
});
afterEach(() => dir.cleanup());

function loadForServe(toml: string, env: Record<string, string> = {}) {
  writeFileSync(file, toml);
  return loadConfig({ path: file, env, cwd: dir.path, forServe: true });
}

describe("loadConfig for serve", () => {
  test("with driver postgres, names each shared secret that is set nowhere, one line each", () => {
    expect(configProblems(() => loadForServe(POSTGRES))).toEqual([
      `${file}: ${missing("server.admin_token", "HOOKGATE_SERVER_ADMIN_TOKEN")}`,
      `${file}: ${missing("callbacks.secret", "HOOKGATE_CALLBACKS_SECRET")}`,
    ]);
  });

  test("counts an empty value written in the file as not set", () => {
    expect(configProblems(() => loadForServe(`${POSTGRES}[server]\nadmin_token = ""\n[callbacks]\nsecret = "${CALLBACKS_SECRET}"\n`))).toEqual([
      `${file}: server.admin_token = "": ${missing("server.admin_token", "HOOKGATE_SERVER_ADMIN_TOKEN").slice("server.admin_token: ".length)}`,
    ]);
  });

  test("accepts both from the file", () => {
    const { config } = loadForServe(`${POSTGRES}[server]\nadmin_token = "${TOKEN}"\n[callbacks]\nsecret = "${CALLBACKS_SECRET}"\n`);
    expect([config.server.admin_token, config.callbacks.secret]).toEqual([TOKEN, CALLBACKS_SECRET]);
  });

  test("accepts both from the environment, the driver and url too", () => {
    const { config } = loadConfig({
      env: {
        HOOKGATE_STORAGE_DRIVER: "postgres",
        HOOKGATE_STORAGE_URL: UNREACHABLE_URL,
        HOOKGATE_SERVER_ADMIN_TOKEN: TOKEN,
        HOOKGATE_CALLBACKS_SECRET: CALLBACKS_SECRET,
      },
      cwd: dir.path,
      forServe: true,
    });
    expect(config.storage.driver).toBe("postgres");
  });

  test("reports an invalid secret as invalid, not as missing", () => {
    expect(configProblems(() => loadForServe(`${POSTGRES}[server]\nadmin_token = "short"\n[callbacks]\nsecret = "${CALLBACKS_SECRET}"\n`))).toEqual([
      `${file}: server.admin_token = "********": expected at least 32 printable characters without spaces, or empty to generate one`,
    ]);
  });

  test("reports the missing secrets together with the other problems of the file", () => {
    const problems = configProblems(() => loadForServe(`[server]\nlisten = "nowhere"\n[storage]\ndriver = "postgres"\n`));
    expect(problems.map((p) => p.slice(file.length + 2).split(/[ :]/)[0])).toEqual(["server.listen", "storage.url", "server.admin_token", "callbacks.secret"]);
  });

  test("asks nothing more with driver sqlite, where both are generated into the data dir", () => {
    expect(loadForServe("").config.server.admin_token).toBe("");
  });

  test("is not asked by a plain load, which the commands that serve nothing use", () => {
    writeFileSync(file, POSTGRES);
    expect(loadConfig({ path: file, env: {}, cwd: dir.path }).config.storage.driver).toBe("postgres");
  });
});

describe("the real CLI with driver postgres", () => {
  test("serve without the shared secrets exits 78, one line per missing key, before it creates the data dir", async () => {
    const cwd = tempDir();
    const config = writeConfigFile(POSTGRES);
    const run = await runHookgate(["serve", "--config", config], { cwd });
    expect(run.exitCode).toBe(78);
    const lines = run.stderr.split("\n");
    expect(lines[0]).toBe("hookgate: invalid configuration:");
    expect(lines.filter((l) => l.includes("server.admin_token"))).toEqual([`  ${config}: ${missing("server.admin_token", "HOOKGATE_SERVER_ADMIN_TOKEN")}`]);
    expect(lines.filter((l) => l.includes("callbacks.secret"))).toEqual([`  ${config}: ${missing("callbacks.secret", "HOOKGATE_CALLBACKS_SECRET")}`]);
    expect(run.stderr).not.toContain(STACK_FRAME);
    expect(run.stderr).not.toContain(DB_PASSWORD);
    expect(run.stdout).toBe("");
    // Nothing generated, nothing created: the data dir is not even made.
    expect(existsSync(join(cwd, "data"))).toBe(false);
  }, E2E_TIMEOUT_MS);

  test("serve names the one secret still missing when the other comes from the environment", async () => {
    const run = await runHookgate(["serve"], {
      env: { HOOKGATE_STORAGE_DRIVER: "postgres", HOOKGATE_STORAGE_URL: UNREACHABLE_URL, HOOKGATE_SERVER_ADMIN_TOKEN: TOKEN },
    });
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toBe(`hookgate: invalid configuration:\n  ${missing("callbacks.secret", "HOOKGATE_CALLBACKS_SECRET")}\n`);
  }, E2E_TIMEOUT_MS);

  test("serve with both set from the environment gets past the configuration: exit 1, not 78, and the password never shown", async () => {
    const run = await runHookgate(["serve"], {
      env: {
        HOOKGATE_SERVER_LISTEN: "127.0.0.1:0",
        HOOKGATE_STORAGE_DRIVER: "postgres",
        HOOKGATE_STORAGE_URL: UNREACHABLE_URL,
        HOOKGATE_SERVER_ADMIN_TOKEN: TOKEN,
        HOOKGATE_CALLBACKS_SECRET: CALLBACKS_SECRET,
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toStartWith("hookgate: cannot start: cannot reach the database at 127.0.0.1:1 ");
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr + run.stdout).not.toContain(DB_PASSWORD);
    expect(run.stderr + run.stdout).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);

  test("check-config refuses the same configuration with exit 1, as serve would not start on it", async () => {
    const config = writeConfigFile(POSTGRES);
    const run = await runHookgate(["check-config", "--config", config]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`${config}: ${missing("server.admin_token", "HOOKGATE_SERVER_ADMIN_TOKEN")}`);
    expect(run.stderr).not.toContain(DB_PASSWORD);
    expect(run.stdout).toBe("");
  }, E2E_TIMEOUT_MS);

  test("check-config prints a complete postgres configuration with the url's password masked", async () => {
    const config = writeConfigFile(`${POSTGRES}pool_size = 8\n`);
    const run = await runHookgate(["check-config", "--config", config], {
      env: { HOOKGATE_SERVER_ADMIN_TOKEN: TOKEN, HOOKGATE_CALLBACKS_SECRET: CALLBACKS_SECRET },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('driver = "postgres"');
    expect(run.stdout).toContain('url = "postgres://hookgate:********@127.0.0.1:1/hookgate"');
    expect(run.stdout).toContain("pool_size = 8");
    expect(run.stdout).not.toContain(DB_PASSWORD);
    expect(run.stdout).not.toContain(TOKEN);
  }, E2E_TIMEOUT_MS);
});
