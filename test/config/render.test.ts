import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { loadConfig, type LoadedConfig } from "../../src/config/load.ts";
import { MASK, renderConfig, renderSources } from "../../src/config/render.ts";
import { configSchema, sectionSchemas, type Config } from "../../src/config/schema.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

const TOKEN = "hgat_" + "k".repeat(43);
const CALLBACKS_SECRET = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
const DB_PASSWORD = "db-pa55word";
const DB_URL = `postgresql://hookgate:${DB_PASSWORD}@db.internal:6432/hookgate_prod?sslmode=verify-full`;

let dir: TempDir;

beforeEach(() => {
  dir = createTempDir("hookgate-render-");
});
afterEach(() => dir.cleanup());

/** A configuration with every key away from its default, loaded the way the daemon loads one. */
function customConfig(): Config {
  return customLoaded().config;
}

function customLoaded(): LoadedConfig {
  const path = dir.join("custom.toml");
  writeFileSync(
    path,
    `
[server]
listen = "[::1]:9000"
admin_token = "${TOKEN}"
max_body = "1536"
shutdown_timeout = "1m30s"
[storage]
driver = "postgres"
data_dir = "/srv/hookgate data"
url = "${DB_URL}"
pool_size = 4
[delivery]
timeout = "2500ms"
retry_schedule = ["0s", "10s", "1h30m", "2d"]
retry_jitter = 0.25
auto_disable_after = "0s"
require_https = false
allow_private_networks = true
concurrency = 32
max_in_flight_per_endpoint = 2
response_body_limit = "0"
[signing]
header = "X-Sakura-Signature"
[callbacks]
secret = "${CALLBACKS_SECRET}"
[retention]
keep = "90d"
[log]
level = "trace"
[[event_types]]
name = "message.delivered"
description = "Delivery confirmed by \\"network\\""
example = { message_id = "msg_abc123", parts = 2, nested = { ok = true, list = [1, 2] } }
[[event_types]]
name = "credit.low"
`,
  );
  return loadConfig({ path, env: {}, cwd: dir.path });
}

/** Writes rendered text to a file, with the masked secrets put back, and loads it. */
function reload(text: string): Config {
  const unmasked = text
    .replace(`admin_token = "${MASK}"`, `admin_token = "${TOKEN}"`)
    .replace(`secret = "${MASK}"`, `secret = "${CALLBACKS_SECRET}"`)
    .replace(`:${MASK}@`, `:${DB_PASSWORD}@`);
  const path = dir.join("rendered.toml");
  writeFileSync(path, unmasked);
  return loadConfig({ path, env: {}, cwd: dir.path }).config;
}

describe("renderConfig", () => {
  test("masks a set admin_token and callbacks secret as ********", () => {
    const text = renderConfig(customConfig());
    const doc = parseToml(text) as { server: Record<string, unknown>; callbacks: Record<string, unknown> };
    expect(MASK).toBe("********");
    expect(doc.server.admin_token).toBe("********");
    expect(doc.callbacks.secret).toBe("********");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(CALLBACKS_SECRET);
  });

  test("shows storage.url with its password masked, and its scheme, user, host, port, database and parameters as written", () => {
    const text = renderConfig(customConfig());
    const doc = parseToml(text) as { storage: Record<string, unknown> };
    expect(doc.storage.url).toBe("postgresql://hookgate:********@db.internal:6432/hookgate_prod?sslmode=verify-full");
    expect(text).not.toContain(DB_PASSWORD);
  });

  test("masks a password given as a url parameter, also when the url came from the environment", () => {
    const loaded = loadConfig({
      env: { HOOKGATE_STORAGE_DRIVER: "postgres", HOOKGATE_STORAGE_URL: `postgres://hookgate@db.internal/hookgate?password=${DB_PASSWORD}` },
      cwd: dir.path,
    });
    const text = renderConfig(loaded.config, loaded.written);
    expect((parseToml(text) as { storage: Record<string, unknown> }).storage.url).toBe("postgres://hookgate@db.internal/hookgate?password=********");
    expect(text).not.toContain(DB_PASSWORD);
  });

  test("leaves an empty storage.url empty", () => {
    expect((parseToml(renderConfig(configSchema.parse({}))) as { storage: Record<string, unknown> }).storage.url).toBe("");
  });

  test("masks a set metrics_token as ********", () => {
    const config = configSchema.parse({ server: { metrics_token: `metrics-${TOKEN}` } });
    const text = renderConfig(config);
    expect((parseToml(text) as { server: Record<string, unknown> }).server.metrics_token).toBe("********");
    expect(text).not.toContain(`metrics-${TOKEN}`);
  });

  test("leaves empty secrets empty, so it is clear they will be generated", () => {
    const doc = parseToml(renderConfig(configSchema.parse({}))) as { server: Record<string, unknown>; callbacks: Record<string, unknown> };
    expect(doc.server.admin_token).toBe("");
    expect(doc.callbacks.secret).toBe("");
  });

  test("writes default durations and sizes in config syntax, as config.example.toml shows them", () => {
    const doc = parseToml(renderConfig(configSchema.parse({}))) as Record<string, Record<string, unknown>>;
    expect(doc.server).toMatchObject({ max_body: "1MiB", shutdown_timeout: "10s" });
    expect(doc.delivery).toMatchObject({
      timeout: "15s",
      retry_schedule: ["1m", "5m", "30m"],
      auto_disable_after: "24h",
      response_body_limit: "4KiB",
    });
    expect(doc.retention).toMatchObject({ keep: "30d" });
  });

  test("writes durations and sizes as the file and the environment wrote them", () => {
    const path = dir.join("units.toml");
    writeFileSync(path, '[delivery]\nauto_disable_after = "24h"\nretry_schedule = ["90s", " 1h30m "]\ntimeout = "1.5s"\n[retention]\nkeep = "2160h"\n');
    const loaded = loadConfig({ path, env: { HOOKGATE_SERVER_MAX_BODY: "2048", HOOKGATE_SERVER_SHUTDOWN_TIMEOUT: "60s" }, cwd: dir.path });
    const doc = parseToml(renderConfig(loaded.config, loaded.written)) as Record<string, Record<string, unknown>>;
    expect(doc.delivery).toMatchObject({ auto_disable_after: "24h", retry_schedule: ["90s", "1h30m"], timeout: "1.5s", response_body_limit: "4KiB" });
    expect(doc.retention).toMatchObject({ keep: "2160h" });
    expect(doc.server).toMatchObject({ max_body: "2048", shutdown_timeout: "60s" });
    expect(reload(renderConfig(loaded.config, loaded.written))).toEqual(loaded.config);
  });

  test("writes every section and every key", () => {
    const doc = parseToml(renderConfig(configSchema.parse({}))) as Record<string, Record<string, unknown>>;
    expect(Object.keys(doc).sort()).toEqual([...Object.keys(sectionSchemas), "event_types"].sort());
    for (const [section, schema] of Object.entries(sectionSchemas)) {
      expect(Object.keys(doc[section]!).sort()).toEqual(Object.keys(schema.shape).sort());
    }
  });

  test("gives back the same configuration when its output is loaded again (every key set)", () => {
    const config = customConfig();
    expect(reload(renderConfig(config))).toEqual(config);
  });

  test("gives back the same configuration when its output, with the texts as written, is loaded again (every key set)", () => {
    const loaded = customLoaded();
    expect(reload(renderConfig(loaded.config, loaded.written))).toEqual(loaded.config);
  });

  test("gives back the same configuration when its output is loaded again (defaults)", () => {
    const config = configSchema.parse({});
    expect(reload(renderConfig(config))).toEqual(config);
  });
});

describe("renderSources", () => {
  test("names the file, or the built-in defaults, and says nothing of the environment when it set nothing", () => {
    expect(renderSources("/etc/hookgate/hookgate.toml", [])).toBe("# effective configuration: /etc/hookgate/hookgate.toml\n");
    expect(renderSources(null, [])).toBe("# effective configuration: built-in defaults (no config file)\n");
  });

  test("lists each key the environment set, with its variable, in the file's order", () => {
    const { file, overrides } = loadConfig({
      env: { HOOKGATE_LOG_LEVEL: "debug", HOOKGATE_DELIVERY_REQUIRE_HTTPS: "false", HOOKGATE_SERVER_LISTEN: "127.0.0.1:9000", PATH: "/usr/bin" },
      cwd: dir.path,
    });
    expect(renderSources(file, overrides)).toBe(
      "# effective configuration: built-in defaults (no config file)\n" +
        "# set from the environment: server.listen (HOOKGATE_SERVER_LISTEN), delivery.require_https (HOOKGATE_DELIVERY_REQUIRE_HTTPS), log.level (HOOKGATE_LOG_LEVEL)\n",
    );
  });
});
