/**
 * What each key accepts and how a bad value is reported, through loadConfig
 * on a real file: one line per problem naming the key, the value and what is
 * expected.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.ts";
import { isValidSecret, type Config } from "../../src/config/schema.ts";
import { configProblems } from "../helpers/config-error.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const SECRET_32 = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const TOKEN = "t".repeat(40);

const DURATION_HINT = 'such as "500ms", "15s", "1m" or "24h"';
const SIZE_HINT = 'such as "512", "4KiB" or "1MiB"';
const LISTEN_HINT = 'expected "host:port", such as "127.0.0.1:8720" or "[::1]:8720"';
const SECRET_HINT = 'expected "whsec_" followed by the base64 of 24 to 64 random bytes';
const URL_EXPECTED = 'a postgres:// or postgresql:// URL naming a host, such as "postgres://user:password@host:5432/dbname"';
const URL_HINT = `expected ${URL_EXPECTED}, or empty with driver "sqlite"`;

let dir: TempDir;
let file: string;

beforeEach(() => {
  dir = createTempDir("hookgate-config-");
  file = dir.join("hookgate.toml");
});
afterEach(() => dir.cleanup());

function load(toml: string) {
  writeFileSync(file, toml);
  return loadConfig({ path: file, env: {}, cwd: dir.path }).config;
}

function problems(toml: string): string[] {
  writeFileSync(file, toml);
  return configProblems(() => loadConfig({ path: file, env: {}, cwd: dir.path }));
}

describe("valid configurations", () => {
  test("gives the documented defaults for an empty file", () => {
    expect(load("")).toEqual({
      server: { listen: "127.0.0.1:8720", admin_token: "", metrics_token: "", max_body: 1024 ** 2, shutdown_timeout: 10 * SECOND },
      storage: { driver: "sqlite", data_dir: "./data", url: "", pool_size: 16 },
      delivery: {
        timeout: 15 * SECOND,
        retry_schedule: [MINUTE, 5 * MINUTE, 30 * MINUTE],
        retry_jitter: 0.1,
        auto_disable_after: DAY,
        require_https: true,
        allow_private_networks: false,
        concurrency: 256,
        max_in_flight_per_endpoint: 16,
        response_body_limit: 4096,
      },
      signing: { header: "X-Webhook-Signature" },
      callbacks: { secret: "" },
      retention: { keep: 30 * DAY },
      metrics: { per_endpoint: false },
      log: { level: "info" },
      event_types: [],
    });
  });

  test("reads every key, durations as milliseconds and sizes as bytes", () => {
    const config = load(`
[server]
listen = "[::1]:9000"
admin_token = "${TOKEN}"
max_body = "2MiB"
shutdown_timeout = "30s"

[storage]
driver = "postgres"
data_dir = "/var/lib/hookgate"
url = "postgresql://hookgate:pw@db.internal:5432/hookgate?sslmode=require"
pool_size = 4

[delivery]
timeout = "1m30s"
retry_schedule = ["10s", "1h", "2d"]
retry_jitter = 0
auto_disable_after = "0s"
require_https = false
allow_private_networks = true
concurrency = 8
max_in_flight_per_endpoint = 8
response_body_limit = "0"

[signing]
header = "X-Sakura-Signature"

[callbacks]
secret = "${SECRET_32}"

[retention]
keep = "7d"

[log]
level = "debug"

[[event_types]]
name = "message.delivered"
description = "Delivery confirmed by network"
example = { message_id = "msg_abc123", attempts = 2, final = true }

[[event_types]]
name = "credit.low"
`);
    expect(config).toEqual({
      server: { listen: "[::1]:9000", admin_token: TOKEN, metrics_token: "", max_body: 2 * 1024 ** 2, shutdown_timeout: 30 * SECOND },
      storage: { driver: "postgres", data_dir: "/var/lib/hookgate", url: "postgresql://hookgate:pw@db.internal:5432/hookgate?sslmode=require", pool_size: 4 },
      delivery: {
        timeout: 90 * SECOND,
        retry_schedule: [10 * SECOND, HOUR, 2 * DAY],
        retry_jitter: 0,
        auto_disable_after: 0,
        require_https: false,
        allow_private_networks: true,
        concurrency: 8,
        max_in_flight_per_endpoint: 8,
        response_body_limit: 0,
      },
      signing: { header: "X-Sakura-Signature" },
      callbacks: { secret: SECRET_32 },
      retention: { keep: 7 * DAY },
      metrics: { per_endpoint: false },
      log: { level: "debug" },
      event_types: [
        { name: "message.delivered", description: "Delivery confirmed by network", example: { message_id: "msg_abc123", attempts: 2, final: true } },
        { name: "credit.low", description: "", example: {} },
      ],
    });
  });

  test.each([
    ["[server]\nlisten = \"0.0.0.0:0\"", (c: Config) => c.server.listen, "0.0.0.0:0"],
    ["[server]\nmax_body = \"1024\"", (c: Config) => c.server.max_body, 1024],
    ["[server]\nmax_body = \"64MiB\"", (c: Config) => c.server.max_body, 64 * 1024 ** 2],
    ["[server]\nshutdown_timeout = \"0s\"", (c: Config) => c.server.shutdown_timeout, 0],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db.internal/hookgate"\npool_size = 1', (c: Config) => c.storage.pool_size, 1],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db.internal/hookgate"\npool_size = 1000', (c: Config) => c.storage.pool_size, 1000],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://u@[::1]:6432/db"', (c: Config) => c.storage.url, "postgres://u@[::1]:6432/db"],
    ['[storage]\ndriver = "sqlite"\nurl = ""', (c: Config) => c.storage.driver, "sqlite"],
    ["[delivery]\ntimeout = \"100ms\"", (c: Config) => c.delivery.timeout, 100],
    ["[delivery]\ntimeout = \"10m\"", (c: Config) => c.delivery.timeout, 10 * MINUTE],
    ["[delivery]\nretry_schedule = []", (c: Config) => c.delivery.retry_schedule, []],
    ["[delivery]\nretry_schedule = [\"0s\", \"30d\"]", (c: Config) => c.delivery.retry_schedule, [0, 30 * DAY]],
    ["[delivery]\nretry_jitter = 1", (c: Config) => c.delivery.retry_jitter, 1],
    ["[delivery]\nauto_disable_after = \"365d\"", (c: Config) => c.delivery.auto_disable_after, 365 * DAY],
    ["[delivery]\nconcurrency = 65536\nmax_in_flight_per_endpoint = 65536", (c: Config) => c.delivery.max_in_flight_per_endpoint, 65536],
    ["[delivery]\nresponse_body_limit = \"1MiB\"", (c: Config) => c.delivery.response_body_limit, 1024 ** 2],
    ["[retention]\nkeep = \"1m\"", (c: Config) => c.retention.keep, MINUTE],
    ["[retention]\nkeep = \"3650d\"", (c: Config) => c.retention.keep, 3650 * DAY],
    ["[log]\nlevel = \"silent\"", (c: Config) => c.log.level, "silent"],
    [`[callbacks]\nsecret = "whsec_${Buffer.alloc(24).toString("base64")}"`, (c: Config) => isValidSecret(c.callbacks.secret), true],
    [`[callbacks]\nsecret = "whsec_${Buffer.alloc(64).toString("base64")}"`, (c: Config) => isValidSecret(c.callbacks.secret), true],
  ])("accepts the boundary value in %p", (toml, pick, expected) => {
    expect(pick(load(toml))).toEqual(expected);
  });
});

describe("invalid values", () => {
  test.each([
    ['[server]\nlisten = "localhost"', `server.listen = "localhost": ${LISTEN_HINT}`],
    ['[server]\nlisten = "[:]:80"', `server.listen = "[:]:80": ${LISTEN_HINT}`],
    ['[server]\nlisten = "127.0.0.1:65536"', `server.listen = "127.0.0.1:65536": ${LISTEN_HINT}`],
    ["[server]\nlisten = 8720", `server.listen = 8720: ${LISTEN_HINT}`],
    ['[server]\nadmin_token = "short"', 'server.admin_token = "********": expected at least 32 printable characters without spaces, or empty to generate one'],
    [
      `[server]\nadmin_token = "${"a".repeat(20)} ${"a".repeat(20)}"`,
      `server.admin_token = "********": expected at least 32 printable characters without spaces, or empty to generate one`,
    ],
    ["[server]\nadmin_token = 12345", 'server.admin_token = "********": expected a string'],
    ['[server]\nmetrics_token = "short"', 'server.metrics_token = "********": expected at least 32 printable characters without spaces, or empty to leave /metrics open'],
    ['[metrics]\nper_endpoint = "yes"', 'metrics.per_endpoint = "yes": expected true or false'],
    ['[server]\nmax_body = "1KB"', `server.max_body = "1KB": expected a size from 1024 bytes to 64MiB, ${SIZE_HINT}`],
    ['[server]\nmax_body = "65MiB"', `server.max_body = "65MiB": expected a size from 1024 bytes to 64MiB, ${SIZE_HINT}`],
    ['[server]\nmax_body = "1 megabyte"', `server.max_body = "1 megabyte": expected a size from 1024 bytes to 64MiB, ${SIZE_HINT}`],
    ['[server]\nshutdown_timeout = "11m"', `server.shutdown_timeout = "11m": expected a duration from 0s to 10m, ${DURATION_HINT}`],
    ['[storage]\ndata_dir = ""', 'storage.data_dir = "": expected a directory path'],
    ["[storage]\ndata_dir = 5", "storage.data_dir = 5: expected a directory path"],
    ['[storage]\ndriver = "mysql"', 'storage.driver = "mysql": expected "sqlite" or "postgres"'],
    ['[storage]\ndriver = "Postgres"', 'storage.driver = "Postgres": expected "sqlite" or "postgres"'],
    ["[storage]\ndriver = 1", 'storage.driver = 1: expected "sqlite" or "postgres"'],
    ['[storage]\ndriver = "postgres"\nurl = "mysql://root:s3cr3t@db.internal/hookgate"', `storage.url = "mysql://root:********@db.internal/hookgate": ${URL_HINT}`],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://"', `storage.url = "postgres://": ${URL_HINT}`],
    ['[storage]\ndriver = "postgres"\nurl = "hookgate:s3cr3t@db.internal/hookgate"', `storage.url = "********": ${URL_HINT}`],
    ['[storage]\ndriver = "postgres"\nurl = 5432', `storage.url = "********": expected ${URL_EXPECTED}`],
    ['[storage]\nurl = "db.internal:5432"', `storage.url = "********": ${URL_HINT}`],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db/x"\npool_size = 0', "storage.pool_size = 0: expected an integer from 1 to 1000"],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db/x"\npool_size = 1001', "storage.pool_size = 1001: expected an integer from 1 to 1000"],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db/x"\npool_size = 2.5', "storage.pool_size = 2.5: expected an integer from 1 to 1000"],
    ['[storage]\ndriver = "postgres"\nurl = "postgres://db/x"\npool_size = "16"', 'storage.pool_size = "16": expected an integer from 1 to 1000'],
    ['[delivery]\ntimeout = "15"', `delivery.timeout = "15": expected a duration from 100ms to 10m, ${DURATION_HINT}`],
    ["[delivery]\ntimeout = 15", `delivery.timeout = 15: expected a duration from 100ms to 10m, ${DURATION_HINT}`],
    ['[delivery]\ntimeout = "50ms"', `delivery.timeout = "50ms": expected a duration from 100ms to 10m, ${DURATION_HINT}`],
    ['[delivery]\nretry_schedule = "1m"', 'delivery.retry_schedule = "1m": expected a list of durations, such as ["1m", "5m", "30m"]'],
    ['[delivery]\nretry_schedule = ["1m", "soon"]', `delivery.retry_schedule[1] = "soon": expected a duration from 0s to 30d, ${DURATION_HINT}`],
    ['[delivery]\nretry_schedule = ["31d"]', `delivery.retry_schedule[0] = "31d": expected a duration from 0s to 30d, ${DURATION_HINT}`],
    ['[delivery]\nretry_schedule = [60, "2s"]', `delivery.retry_schedule[0] = 60: expected a duration from 0s to 30d, ${DURATION_HINT}`],
    ["[delivery]\nretry_jitter = 2", "delivery.retry_jitter = 2: expected a number from 0 to 1"],
    ["[delivery]\nretry_jitter = -0.1", "delivery.retry_jitter = -0.1: expected a number from 0 to 1"],
    ['[delivery]\nretry_jitter = "10%"', 'delivery.retry_jitter = "10%": expected a number from 0 to 1'],
    ['[delivery]\nauto_disable_after = "366d"', `delivery.auto_disable_after = "366d": expected a duration from 0s to 365d, ${DURATION_HINT}`],
    ['[delivery]\nrequire_https = "yes"', 'delivery.require_https = "yes": expected true or false'],
    ["[delivery]\nallow_private_networks = 1", "delivery.allow_private_networks = 1: expected true or false"],
    ["[delivery]\nconcurrency = 0", "delivery.concurrency = 0: expected an integer from 1 to 65536"],
    ["[delivery]\nconcurrency = 1.5", "delivery.concurrency = 1.5: expected an integer from 1 to 65536"],
    ["[delivery]\nconcurrency = 70000", "delivery.concurrency = 70000: expected an integer from 1 to 65536"],
    ["[delivery]\nmax_in_flight_per_endpoint = 0", "delivery.max_in_flight_per_endpoint = 0: expected an integer from 1 to 65536"],
    ['[delivery]\nresponse_body_limit = "2MiB"', `delivery.response_body_limit = "2MiB": expected a size from 0 bytes to 1MiB, ${SIZE_HINT}`],
    ['[signing]\nheader = "X Bad"', 'signing.header = "X Bad": expected an HTTP header name (letters, digits and -)'],
    [
      '[signing]\nheader = "Content-Type"',
      'signing.header = "Content-Type": expected a header name other than content-type, content-length, content-encoding, transfer-encoding, host, connection, user-agent, webhook-id, webhook-timestamp, webhook-signature',
    ],
    ['[callbacks]\nsecret = "nope"', `callbacks.secret = "********": ${SECRET_HINT}`],
    ['[callbacks]\nsecret = "whsec_abc"', `callbacks.secret = "********": ${SECRET_HINT}`],
    [
      `[callbacks]\nsecret = "whsec_${Buffer.alloc(16).toString("base64")}"`,
      `callbacks.secret = "********": ${SECRET_HINT}`,
    ],
    ["[callbacks]\nsecret = 5", `callbacks.secret = "********": ${SECRET_HINT}, or empty to generate one`],
    ['[retention]\nkeep = "1s"', `retention.keep = "1s": expected a duration from 1m to 3650d, ${DURATION_HINT}`],
    ['[log]\nlevel = "loud"', 'log.level = "loud": expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"'],
    ['[log]\nlevel = "INFO"', 'log.level = "INFO": expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"'],
    ['event_types = "x"', 'event_types = "x": expected an array of tables ([[event_types]])'],
    ['[[event_types]]\nname = "Message Delivered"', 'event_types[0].name = "Message Delivered": expected lower-case words separated by dots, such as "message.delivered"'],
    ['[[event_types]]\ndescription = "no name"', "event_types[0].name: missing; expected a string"],
    ['[[event_types]]\nname = "a.b"\nexample = 5', "event_types[0].example = 5: expected a table (an example data object)"],
  ])("reports %p as one line naming key, value and expectation", (toml, line) => {
    expect(problems(toml)).toEqual([`${file}: ${line}`]);
  });

  test("reports a schedule longer than 50 retries", () => {
    const entries = new Array(51).fill('"1s"');
    expect(problems(`[delivery]\nretry_schedule = [${entries.join(", ")}]`)).toEqual([
      `${file}: delivery.retry_schedule = ${JSON.stringify(new Array(51).fill("1s"))}: expected at most 50 retries`,
    ]);
  });

  test("reports every problem at once, in file order", () => {
    expect(problems('[server]\nlisten = "nope"\n[delivery]\ntimeout = "forever"\nconcurrency = -1\n[log]\nlevel = "chatty"')).toEqual([
      `${file}: server.listen = "nope": ${LISTEN_HINT}`,
      `${file}: delivery.timeout = "forever": expected a duration from 100ms to 10m, ${DURATION_HINT}`,
      `${file}: delivery.concurrency = -1: expected an integer from 1 to 65536`,
      `${file}: log.level = "chatty": expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"`,
    ]);
  });
});

describe("cross-field checks", () => {
  test("refuses max_in_flight_per_endpoint above concurrency", () => {
    expect(problems("[delivery]\nconcurrency = 8\nmax_in_flight_per_endpoint = 9")).toEqual([
      `${file}: delivery.max_in_flight_per_endpoint = 9: expected at most delivery.concurrency (8)`,
    ]);
  });

  test("names the defaulted max_in_flight_per_endpoint and its value when only concurrency is lowered", () => {
    expect(problems("[delivery]\nconcurrency = 8")).toEqual([
      `${file}: delivery.max_in_flight_per_endpoint = 16: expected at most delivery.concurrency (8)`,
    ]);
  });

  test("accepts max_in_flight_per_endpoint equal to concurrency", () => {
    expect(load("[delivery]\nconcurrency = 4\nmax_in_flight_per_endpoint = 4").delivery).toMatchObject({ concurrency: 4, max_in_flight_per_endpoint: 4 });
  });

  test("reports an out-of-range concurrency once, under its own key", () => {
    expect(problems("[delivery]\nconcurrency = 0")).toEqual([`${file}: delivery.concurrency = 0: expected an integer from 1 to 65536`]);
  });

  test("refuses driver postgres without a url, naming storage.url", () => {
    expect(problems('[storage]\ndriver = "postgres"')).toEqual([`${file}: storage.url: required with storage.driver = "postgres": expected ${URL_EXPECTED}`]);
    expect(problems('[storage]\ndriver = "postgres"\nurl = ""')).toEqual([`${file}: storage.url = "": required with storage.driver = "postgres": expected ${URL_EXPECTED}`]);
  });

  test("refuses a url with driver sqlite, which would leave each process on its own database, without showing the password", () => {
    expect(problems('[storage]\nurl = "postgres://hookgate:s3cr3t@db.internal/hookgate"')).toEqual([
      `${file}: storage.url = "postgres://hookgate:********@db.internal/hookgate": expected empty with storage.driver = "sqlite"; set driver = "postgres" to use this database`,
    ]);
  });

  test("reports a url that is not a postgres URL once, whichever the driver", () => {
    expect(problems('[storage]\ndriver = "sqlite"\nurl = "https://db.internal/x"')).toEqual([`${file}: storage.url = "https://db.internal/x": ${URL_HINT}`]);
    expect(problems('[storage]\ndriver = "postgres"\nurl = "https://db.internal/x"')).toEqual([`${file}: storage.url = "https://db.internal/x": ${URL_HINT}`]);
  });

  test("asks nothing of the url while the driver itself is invalid", () => {
    expect(problems('[storage]\ndriver = "pg"\nurl = "postgres://db.internal/x"')).toEqual([`${file}: storage.driver = "pg": expected "sqlite" or "postgres"`]);
  });

  test("refuses an event type name that is already in the catalog", () => {
    expect(
      problems('[[event_types]]\nname = "message.delivered"\n[[event_types]]\nname = "credit.low"\n[[event_types]]\nname = "message.delivered"'),
    ).toEqual([`${file}: event_types[2].name = "message.delivered": expected a name not already in the catalog`]);
  });
});
