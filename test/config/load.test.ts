/**
 * Where the configuration comes from: the --config file, ./hookgate.toml,
 * the built-in defaults, and HOOKGATE_<SECTION>_<KEY> overrides; and how
 * unknown keys, unknown variables and TOML syntax errors are reported.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { CONFIG_EXIT_CODE, loadConfig } from "../../src/config/load.ts";
import { configSchema, sectionSchemas } from "../../src/config/schema.ts";
import { configProblems } from "../helpers/config-error.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

const DURATION_HINT = 'such as "500ms", "15s", "1m" or "24h"';
const ENV_HINT = "settings are HOOKGATE_<SECTION>_<KEY>, e.g. HOOKGATE_SERVER_LISTEN";

let dir: TempDir;

beforeEach(() => {
  dir = createTempDir("hookgate-config-");
});
afterEach(() => dir.cleanup());

/** Writes `toml` as <dir>/name and answers its absolute path. */
function writeConfig(toml: string, name = "hookgate.toml"): string {
  const path = dir.join(name);
  writeFileSync(path, toml);
  return path;
}

describe("choosing the file", () => {
  test("runs on the built-in defaults when no path is given and the directory has no hookgate.toml", () => {
    const loaded = loadConfig({ env: {}, cwd: dir.path });
    expect(loaded.file).toBeNull();
    expect(loaded.config).toEqual(configSchema.parse({}));
  });

  test("reads ./hookgate.toml from the working directory when no path is given", () => {
    const path = writeConfig('[server]\nlisten = "127.0.0.1:9999"');
    const loaded = loadConfig({ env: {}, cwd: dir.path });
    expect(loaded.file).toBe(path);
    expect(loaded.config.server.listen).toBe("127.0.0.1:9999");
  });

  test("resolves a relative --config path against the working directory", () => {
    mkdirSync(dir.join("etc"));
    const path = writeConfig('[log]\nlevel = "warn"', "etc/custom.toml");
    const loaded = loadConfig({ path: "etc/custom.toml", env: {}, cwd: dir.path });
    expect(loaded.file).toBe(path);
    expect(loaded.config.log.level).toBe("warn");
  });

  test("prefers an explicit --config over ./hookgate.toml", () => {
    writeConfig('[log]\nlevel = "error"');
    const path = writeConfig('[log]\nlevel = "debug"', "other.toml");
    expect(loadConfig({ path, env: {}, cwd: dir.path }).config.log.level).toBe("debug");
  });

  test("refuses a missing --config file instead of falling back to ./hookgate.toml or the defaults", () => {
    writeConfig("");
    expect(configProblems(() => loadConfig({ path: "missing.toml", env: {}, cwd: dir.path }))).toEqual(["missing.toml: config file not found"]);
  });

  test("reports a --config path that cannot be read", () => {
    mkdirSync(dir.join("a-directory"));
    const problems = configProblems(() => loadConfig({ path: "a-directory", env: {}, cwd: dir.path }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith(`${dir.join("a-directory")}: cannot read config file: `);
  });

  test("exits with sysexits EX_CONFIG on a configuration error", () => {
    expect(CONFIG_EXIT_CODE).toBe(78);
  });
});

describe("TOML syntax errors", () => {
  test.each([
    ["[server\nlisten = \"x\"", 1, 8],
    ['[server]\nlisten = \n', 2, 10],
    ['[server]\nlisten = "a"\nlisten = "b"\n', 3, 1],
    ['[delivery]\nretry_schedule = ["1m", "5m"\n', 3, 1],
    ['[server]\nlisten = "unterminated\n', 2, 23],
  ])("names the file, line and column of the error in %p", (toml, line, column) => {
    const path = writeConfig(toml);
    const problems = configProblems(() => loadConfig({ path, env: {}, cwd: dir.path }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith(`${path}:${line}:${column}: TOML syntax error: `);
    expect(problems[0]!.length).toBeGreaterThan(`${path}:${line}:${column}: TOML syntax error: `.length);
  });
});

describe("unknown keys in the file", () => {
  test.each([
    ['[server]\nlistn = "127.0.0.1:1"', 'server.listn: unknown key (did you mean "listen"?)'],
    ['[sever]\nlisten = "127.0.0.1:1"', 'sever: unknown key (did you mean "server"?)'],
    ["[delivery]\nretry_shedule = []", 'delivery.retry_shedule: unknown key (did you mean "retry_schedule"?)'],
    ["[delivery]\nmax_in_flight = 4", "delivery.max_in_flight: unknown key"],
    ["[storage]\ncompletely_different = 1", "storage.completely_different: unknown key"],
    ["foo = 1", "foo: unknown key"],
    ['[[event_types]]\nname = "a.b"\ndescripton = "x"', 'event_types[0].descripton: unknown key (did you mean "description"?)'],
  ])("reports %p with a hint when a known key is close", (toml, line) => {
    const path = writeConfig(toml);
    expect(configProblems(() => loadConfig({ path, env: {}, cwd: dir.path }))).toEqual([`${path}: ${line}`]);
  });

  test("reports a section that is not a table", () => {
    const path = writeConfig("server = 5");
    expect(configProblems(() => loadConfig({ path, env: {}, cwd: dir.path }))).toEqual([
      `${path}: server = 5: expected a table, such as [server]`,
    ]);
  });

  test("reports an unknown key next to the missing one it probably meant", () => {
    const path = writeConfig('[[event_types]]\nnam = "a.b"');
    expect(configProblems(() => loadConfig({ path, env: {}, cwd: dir.path }))).toEqual([
      `${path}: event_types[0].name: missing; expected a string`,
      `${path}: event_types[0].nam: unknown key (did you mean "name"?)`,
    ]);
  });
});

describe("environment overrides", () => {
  test.each([
    ["HOOKGATE_SERVER_LISTEN", "0.0.0.0:9000", "server", "listen", "0.0.0.0:9000"],
    ["HOOKGATE_SERVER_ADMIN_TOKEN", "x".repeat(32), "server", "admin_token", "x".repeat(32)],
    ["HOOKGATE_SERVER_METRICS_TOKEN", "m".repeat(32), "server", "metrics_token", "m".repeat(32)],
    ["HOOKGATE_SERVER_MAX_BODY", "2KiB", "server", "max_body", 2048],
    ["HOOKGATE_SERVER_SHUTDOWN_TIMEOUT", "1m", "server", "shutdown_timeout", 60_000],
    ["HOOKGATE_STORAGE_DATA_DIR", "/var/lib/hookgate", "storage", "data_dir", "/var/lib/hookgate"],
    ["HOOKGATE_STORAGE_DATA_DIR", "123", "storage", "data_dir", "123"],
    ["HOOKGATE_STORAGE_DRIVER", "sqlite", "storage", "driver", "sqlite"],
    ["HOOKGATE_STORAGE_POOL_SIZE", "32", "storage", "pool_size", 32],
    ["HOOKGATE_DELIVERY_TIMEOUT", "2s", "delivery", "timeout", 2000],
    ["HOOKGATE_DELIVERY_RETRY_SCHEDULE", '["1s","2s"]', "delivery", "retry_schedule", [1000, 2000]],
    ["HOOKGATE_DELIVERY_RETRY_SCHEDULE", "1s,2s", "delivery", "retry_schedule", [1000, 2000]],
    ["HOOKGATE_DELIVERY_RETRY_SCHEDULE", " 1s , 2s ", "delivery", "retry_schedule", [1000, 2000]],
    ["HOOKGATE_DELIVERY_RETRY_SCHEDULE", "5m", "delivery", "retry_schedule", [300_000]],
    ["HOOKGATE_DELIVERY_RETRY_SCHEDULE", "[]", "delivery", "retry_schedule", []],
    ["HOOKGATE_DELIVERY_RETRY_JITTER", "0.25", "delivery", "retry_jitter", 0.25],
    ["HOOKGATE_DELIVERY_AUTO_DISABLE_AFTER", "0s", "delivery", "auto_disable_after", 0],
    ["HOOKGATE_DELIVERY_REQUIRE_HTTPS", "false", "delivery", "require_https", false],
    ["HOOKGATE_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true", "delivery", "allow_private_networks", true],
    ["HOOKGATE_DELIVERY_CONCURRENCY", "512", "delivery", "concurrency", 512],
    ["HOOKGATE_METRICS_PER_ENDPOINT", "true", "metrics", "per_endpoint", true],
    ["HOOKGATE_DELIVERY_MAX_IN_FLIGHT_PER_ENDPOINT", "4", "delivery", "max_in_flight_per_endpoint", 4],
    ["HOOKGATE_DELIVERY_RESPONSE_BODY_LIMIT", "512", "delivery", "response_body_limit", 512],
    ["HOOKGATE_SIGNING_HEADER", "X-Sakura-Signature", "signing", "header", "X-Sakura-Signature"],
    ["HOOKGATE_SIGNING_HEADER", "true", "signing", "header", "true"],
    ["HOOKGATE_CALLBACKS_SECRET", `whsec_${Buffer.alloc(32, 1).toString("base64")}`, "callbacks", "secret", `whsec_${Buffer.alloc(32, 1).toString("base64")}`],
    ["HOOKGATE_RETENTION_KEEP", "7d", "retention", "keep", 7 * 86_400_000],
    ["HOOKGATE_LOG_LEVEL", "debug", "log", "level", "debug"],
  ])("%s=%p sets %s.%s", (name, value, section, key, expected) => {
    const { config } = loadConfig({ env: { [name]: value }, cwd: dir.path });
    expect((config[section as keyof typeof sectionSchemas] as Record<string, unknown>)[key]).toEqual(expected);
  });

  test("has a variable for every key of every section, and each bad value names its variable", () => {
    const names = Object.entries(sectionSchemas).flatMap(([section, schema]) => Object.keys(schema.shape).map((key) => `HOOKGATE_${section}_${key}`.toUpperCase()));
    const env = Object.fromEntries(names.map((name) => [name, "not valid!"]));
    const problems = configProblems(() => loadConfig({ env, cwd: dir.path }));
    expect(problems.filter((p) => p.includes("unknown environment setting"))).toEqual([]);
    for (const line of problems) expect(line).toMatch(/ \(from HOOKGATE_[A-Z_]+\): expected /);
  });

  test("sets the postgres driver, its url and its pool size, the url kept as written", () => {
    const url = "postgresql://hookgate:p%40ss@db.internal:5432/hookgate?sslmode=verify-full";
    const { config, overrides } = loadConfig({
      env: { HOOKGATE_STORAGE_DRIVER: "postgres", HOOKGATE_STORAGE_URL: url, HOOKGATE_STORAGE_POOL_SIZE: "8" },
      cwd: dir.path,
    });
    expect(config.storage).toEqual({ driver: "postgres", data_dir: "./data", url, pool_size: 8 });
    expect(overrides.map((o) => o.key)).toEqual(["storage.driver", "storage.url", "storage.pool_size"]);
  });

  test("takes the url from HOOKGATE_STORAGE_URL over the file's", () => {
    const path = writeConfig('[storage]\ndriver = "postgres"\nurl = "postgres://file-host/hookgate"');
    const { config } = loadConfig({ path, env: { HOOKGATE_STORAGE_URL: "postgres://env-host/hookgate" }, cwd: dir.path });
    expect(config.storage.url).toBe("postgres://env-host/hookgate");
  });

  test("wins over the file and keeps the file's other keys in that section", () => {
    const path = writeConfig('[server]\nlisten = "127.0.0.1:1111"\nmax_body = "2MiB"');
    const { config } = loadConfig({ path, env: { HOOKGATE_SERVER_LISTEN: "127.0.0.1:2222" }, cwd: dir.path });
    expect(config.server.listen).toBe("127.0.0.1:2222");
    expect(config.server.max_body).toBe(2 * 1024 ** 2);
  });

  test("ignores variables without the HOOKGATE_ prefix and unset ones", () => {
    const { config } = loadConfig({ env: { PATH: "/usr/bin", HOME: "/root", hookgate_server_listen: "x", HOOKGATE_LOG_LEVEL: undefined }, cwd: dir.path });
    expect(config).toEqual(configSchema.parse({}));
  });

  test.each([
    ["HOOKGATE_DELIVERY_CONCURRENCY", "abc", 'delivery.concurrency = "abc" (from HOOKGATE_DELIVERY_CONCURRENCY): expected an integer from 1 to 65536'],
    ["HOOKGATE_DELIVERY_CONCURRENCY", "", 'delivery.concurrency = "" (from HOOKGATE_DELIVERY_CONCURRENCY): expected an integer from 1 to 65536'],
    ["HOOKGATE_DELIVERY_RETRY_JITTER", "5", "delivery.retry_jitter = 5 (from HOOKGATE_DELIVERY_RETRY_JITTER): expected a number from 0 to 1"],
    ["HOOKGATE_DELIVERY_REQUIRE_HTTPS", "yes", 'delivery.require_https = "yes" (from HOOKGATE_DELIVERY_REQUIRE_HTTPS): expected true or false'],
    ["HOOKGATE_DELIVERY_TIMEOUT", "15", `delivery.timeout = "15" (from HOOKGATE_DELIVERY_TIMEOUT): expected a duration from 100ms to 10m, ${DURATION_HINT}`],
    [
      "HOOKGATE_DELIVERY_RETRY_SCHEDULE",
      "1s,nope",
      `delivery.retry_schedule[1] = "nope" (from HOOKGATE_DELIVERY_RETRY_SCHEDULE): expected a duration from 0s to 30d, ${DURATION_HINT}`,
    ],
    [
      "HOOKGATE_DELIVERY_RETRY_SCHEDULE",
      '["1s", 5]',
      `delivery.retry_schedule[1] = 5 (from HOOKGATE_DELIVERY_RETRY_SCHEDULE): expected a duration from 0s to 30d, ${DURATION_HINT}`,
    ],
    [
      "HOOKGATE_SERVER_LISTEN",
      "nope",
      'server.listen = "nope" (from HOOKGATE_SERVER_LISTEN): expected "host:port", such as "127.0.0.1:8720" or "[::1]:8720"',
    ],
    ["HOOKGATE_LOG_LEVEL", "loud", 'log.level = "loud" (from HOOKGATE_LOG_LEVEL): expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"'],
    [
      "HOOKGATE_SERVER_ADMIN_TOKEN",
      "short-secret",
      'server.admin_token = "********" (from HOOKGATE_SERVER_ADMIN_TOKEN): expected at least 32 printable characters without spaces, or empty to generate one',
    ],
    [
      "HOOKGATE_STORAGE_URL",
      "mysql://root:s3cr3t@db.internal/hookgate",
      'storage.url = "mysql://root:********@db.internal/hookgate" (from HOOKGATE_STORAGE_URL): expected a postgres:// or postgresql:// URL naming a host, such as "postgres://user:password@host:5432/dbname", or empty with driver "sqlite"',
    ],
    [
      "HOOKGATE_STORAGE_URL",
      "postgres://hookgate:s3cr3t@db.internal/hookgate",
      'storage.url = "postgres://hookgate:********@db.internal/hookgate" (from HOOKGATE_STORAGE_URL): expected empty with storage.driver = "sqlite"; set driver = "postgres" to use this database',
    ],
    ["HOOKGATE_STORAGE_DRIVER", "postgresql", 'storage.driver = "postgresql" (from HOOKGATE_STORAGE_DRIVER): expected "sqlite" or "postgres"'],
    ["HOOKGATE_STORAGE_POOL_SIZE", "many", 'storage.pool_size = "many" (from HOOKGATE_STORAGE_POOL_SIZE): expected an integer from 1 to 1000'],
    [
      "HOOKGATE_CALLBACKS_SECRET",
      "whsec_tooshort",
      'callbacks.secret = "********" (from HOOKGATE_CALLBACKS_SECRET): expected "whsec_" followed by the base64 of 24 to 64 random bytes',
    ],
  ])("names %s in the error for the bad value %p", (name, value, line) => {
    expect(configProblems(() => loadConfig({ env: { [name]: value }, cwd: dir.path }))).toEqual([line]);
  });

  test("does not put the file's name on a problem that comes from the environment", () => {
    const path = writeConfig('[server]\nlisten = "nope"');
    expect(configProblems(() => loadConfig({ path, env: { HOOKGATE_DELIVERY_CONCURRENCY: "abc", HOOKGATE_LOG_LEVL: "x" }, cwd: dir.path }))).toEqual([
      `HOOKGATE_LOG_LEVL: unknown environment setting (did you mean HOOKGATE_LOG_LEVEL?); ${ENV_HINT}`,
      `${path}: server.listen = "nope": expected "host:port", such as "127.0.0.1:8720" or "[::1]:8720"`,
      'delivery.concurrency = "abc" (from HOOKGATE_DELIVERY_CONCURRENCY): expected an integer from 1 to 65536',
    ]);
  });

  test.each([
    ["HOOKGATE_SERVER_LISTN", `HOOKGATE_SERVER_LISTN: unknown environment setting (did you mean HOOKGATE_SERVER_LISTEN?); ${ENV_HINT}`],
    [
      "HOOKGATE_DELIVERY_CONCURENCY",
      `HOOKGATE_DELIVERY_CONCURENCY: unknown environment setting (did you mean HOOKGATE_DELIVERY_CONCURRENCY?); ${ENV_HINT}`,
    ],
    ["HOOKGATE_LISTEN", `HOOKGATE_LISTEN: unknown environment setting; ${ENV_HINT}`],
    ["HOOKGATE_TOTALLY_UNRELATED", `HOOKGATE_TOTALLY_UNRELATED: unknown environment setting; ${ENV_HINT}`],
  ])("refuses the unknown variable %s", (name, line) => {
    expect(configProblems(() => loadConfig({ env: { [name]: "1" }, cwd: dir.path }))).toEqual([line]);
  });
});
