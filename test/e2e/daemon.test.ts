/**
 * The real process: start-up on defaults, the API over a socket, signals,
 * the data dir lock, refused configs and databases, and the small commands.
 * Slower than the in-process tests, so only what needs a process lives here.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import pkg from "../../package.json" with { type: "json" };
import { cleanupDaemons, runHookgate, startDaemon, tempDir, writeConfigFile } from "../helpers/daemon.ts";

afterAll(cleanupDaemons);

const STACK_FRAME = "    at ";
// Each test starts real processes; bun's 5s default is too tight for a slow
// CI machine, and bunfig.toml has no per-test timeout setting. The waits
// inside are bounded by the helper's own timeouts (15s each).
const E2E_TIMEOUT_MS = 60_000;

describe("start-up", () => {
  test("starts on the built-in defaults in an empty folder, with a private ./data and a generated admin token it never logs", async () => {
    const cwd = realpathSync(tempDir());
    const daemon = await startDaemon({ config: null, cwd, env: { HOOKGATE_SERVER_LISTEN: "127.0.0.1:0" } });

    const dataDir = join(cwd, "data");
    expect(daemon.dataDir).toBe(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const tokenFile = join(dataDir, "admin.token");
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(daemon.token.length).toBeGreaterThanOrEqual(43);

    expect(daemon.logs().some((r) => r.path === tokenFile)).toBe(true);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);

    expect(await daemon.stop()).toBe(0);
    expect(daemon.lines.join("\n")).not.toContain(daemon.token);
    expect(daemon.stderr()).not.toContain(daemon.token);
  }, E2E_TIMEOUT_MS);

  test("keeps its endpoints across a restart on the same data dir", async () => {
    const first = await startDaemon();
    const created = await first.api("POST", "/v1/endpoints", { url: "https://example.com/hook" });
    expect(created.status).toBe(201);
    expect(await first.stop()).toBe(0);

    const second = await startDaemon({ dataDir: first.dataDir });
    expect(second.token).toBe(first.token);
    const got = await second.api("GET", `/v1/endpoints/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.url).toBe("https://example.com/hook");
    expect(await second.stop()).toBe(0);
  }, E2E_TIMEOUT_MS);
});

describe("the API through the real process", () => {
  test("creates, reads and lists an endpoint, and answers 401 without the token", async () => {
    const daemon = await startDaemon();

    const created = await daemon.api("POST", "/v1/endpoints", { url: "https://example.com/hook", description: "e2e" });
    expect(created.status).toBe(201);
    expect(created.json.id).toStartWith("ep_");
    expect(created.json.secret).toStartWith("whsec_");

    const got = await daemon.api("GET", `/v1/endpoints/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id: created.json.id, url: "https://example.com/hook", state: "enabled" });
    expect(got.json.secret).toBeUndefined();

    const listed = await daemon.api("GET", "/v1/endpoints");
    expect(listed.status).toBe(200);
    expect(listed.json.data.map((e: { id: string }) => e.id)).toContain(created.json.id);

    const anonymous = await daemon.api("GET", "/v1/endpoints", undefined, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error.code).toBe("unauthorized");
    const wrong = await daemon.api("GET", "/v1/endpoints", undefined, { token: "not-the-token" });
    expect(wrong.status).toBe(401);

    expect(await daemon.stop()).toBe(0);
  }, E2E_TIMEOUT_MS);
});

describe("signals and the data dir lock", () => {
  test("exits 0 on SIGTERM and logs stopped", async () => {
    const daemon = await startDaemon();
    expect(await daemon.stop("SIGTERM")).toBe(0);
    expect(daemon.logs().some((r) => r.msg === "stopped")).toBe(true);
  }, E2E_TIMEOUT_MS);

  test("exits 0 on SIGINT too", async () => {
    const daemon = await startDaemon();
    expect(await daemon.stop("SIGINT")).toBe(0);
    expect(daemon.logs().some((r) => r.msg === "stopped")).toBe(true);
  }, E2E_TIMEOUT_MS);

  test("refuses a second instance on a data dir in use, and starts again there after the first is killed with -9", async () => {
    const first = await startDaemon();
    const created = await first.api("POST", "/v1/endpoints", { url: "https://example.com/hook" });
    expect(created.status).toBe(201);

    const second = await runHookgate(["serve", "--config", first.configFile!]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain("already running");
    expect(second.stderr).not.toContain(STACK_FRAME);
    // The refused instance must not have disturbed the running one.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);

    await first.kill9();
    const third = await startDaemon({ dataDir: first.dataDir });
    const got = await third.api("GET", `/v1/endpoints/${created.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json.url).toBe("https://example.com/hook");
    expect(await third.stop()).toBe(0);
  }, E2E_TIMEOUT_MS);
});

describe("start-up refusals the operator must fix", () => {
  test("refuses to start, in one line and with exit 1, when its port is taken, and creates nothing on disk", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const address = `127.0.0.1:${holder.port}`;
      const cwd = tempDir();
      // No config: the defaults would put ./data, the database and a generated admin.token in cwd.
      const run = await runHookgate(["serve"], { cwd, env: { HOOKGATE_SERVER_LISTEN: address } });
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain(`cannot listen on ${address}`);
      expect(run.stderr).not.toContain(STACK_FRAME);
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      holder.stop(true);
    }
  }, E2E_TIMEOUT_MS);

  test("leaves a running hookgate undisturbed when a second one is started on its port", async () => {
    const first = await startDaemon();
    const address = new URL(first.url).host;
    const dataDir = join(tempDir(), "data");
    const file = writeConfigFile(`[server]\nlisten = "${address}"\n\n[storage]\ndata_dir = "${dataDir}"\n`);
    const run = await runHookgate(["serve", "--config", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`cannot listen on ${address}`);
    expect(existsSync(dataDir)).toBe(false);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await first.stop()).toBe(0);
  }, E2E_TIMEOUT_MS);

  test("refuses a data_dir it cannot create, in one line and with exit 1", async () => {
    const blocker = join(tempDir(), "a-file");
    writeFileSync(blocker, "not a directory");
    const run = await runHookgate(["serve"], {
      env: { HOOKGATE_SERVER_LISTEN: "127.0.0.1:0", HOOKGATE_STORAGE_DATA_DIR: join(blocker, "data") },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`cannot create data_dir ${join(blocker, "data")}`);
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);
});

describe("configuration errors", () => {
  test("refuses an invalid config with exit 78 and one line per problem naming its key, without a stack trace", async () => {
    const file = writeConfigFile(`
[server]
listen = "nowhere"

[delivery]
timeout = "soon"
concurrency = 0
`);
    const run = await runHookgate(["serve", "--config", file]);
    expect(run.exitCode).toBe(78);
    const lines = run.stderr.split("\n");
    for (const key of ["server.listen", "delivery.timeout", "delivery.concurrency"]) {
      expect(lines.filter((line) => line.includes(key))).toHaveLength(1);
    }
    // Each problem is on its own line: no line names two keys.
    expect(lines.filter((line) => (line.match(/(server|delivery)\.\w+/g) ?? []).length > 1)).toEqual([]);
    expect(run.stderr).not.toContain(STACK_FRAME);
    expect(run.stdout).toBe("");
  }, E2E_TIMEOUT_MS);

  test("names the invalid environment variable and its key", async () => {
    const run = await runHookgate(["serve"], { env: { HOOKGATE_DELIVERY_TIMEOUT: "forever" } });
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toContain("delivery.timeout");
    expect(run.stderr).toContain("HOOKGATE_DELIVERY_TIMEOUT");
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);

  test("names the line and column of a TOML syntax error", async () => {
    const file = writeConfigFile('[server]\nlisten = "127.0.0.1:0"\nmax_body = = "1MiB"\n');
    const run = await runHookgate(["serve", "--config", file]);
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toContain(`${file}:3:`);
    expect(run.stderr).toMatch(/:3:\d+: TOML syntax error/);
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);

  test("check-config exits 1 and lists the problems of an invalid config", async () => {
    const file = writeConfigFile('[delivery]\ntimeout = "soon"\n');
    const run = await runHookgate(["check-config", "--config", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("delivery.timeout");
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);
});

describe("commands", () => {
  test("check-config prints the effective config as TOML with the admin token masked", async () => {
    const token = "e2e-admin-token-0123456789abcdef0123456789";
    const file = writeConfigFile(`[server]\nadmin_token = "${token}"\n\n[delivery]\ntimeout = "2s"\n`);
    const run = await runHookgate(["check-config", "--config", file]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('admin_token = "********"');
    expect(run.stdout).not.toContain(token);
    const effective = parseToml(run.stdout) as Record<string, any>;
    expect(effective.delivery.timeout).toBe("2s");
    expect(effective.server.listen).toBe("127.0.0.1:8720");
    expect(run.stdout.split("\n")[0]).toBe(`# effective configuration: ${file}`);
    expect(run.stdout).not.toContain("environment");
  }, E2E_TIMEOUT_MS);

  test("check-config shows durations as written and names the keys the environment set", async () => {
    const file = writeConfigFile('[delivery]\nauto_disable_after = "24h"\n');
    const run = await runHookgate(["check-config", "--config", file], { env: { HOOKGATE_DELIVERY_TIMEOUT: "2500ms" } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split("\n").slice(0, 2)).toEqual([
      `# effective configuration: ${file}`,
      "# set from the environment: delivery.timeout (HOOKGATE_DELIVERY_TIMEOUT)",
    ]);
    const effective = parseToml(run.stdout) as Record<string, any>;
    expect(effective.delivery).toMatchObject({ auto_disable_after: "24h", timeout: "2500ms" });
  }, E2E_TIMEOUT_MS);

  test("version prints hookgate and its version", async () => {
    const run = await runHookgate(["version"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toStartWith(`hookgate ${pkg.version}`);
    expect(run.stdout).toMatch(/^hookgate \S+\n$/);
  }, E2E_TIMEOUT_MS);

  test("healthcheck exits 0 against a running daemon and 1 when nothing listens there", async () => {
    const daemon = await startDaemon();
    const listen = new URL(daemon.url).host;
    const up = await runHookgate(["healthcheck"], { env: { HOOKGATE_SERVER_LISTEN: listen } });
    expect(up.exitCode).toBe(0);

    expect(await daemon.stop()).toBe(0);
    const down = await runHookgate(["healthcheck"], { env: { HOOKGATE_SERVER_LISTEN: listen } });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toContain("/readyz");
    expect(down.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);
});

describe("databases it must not touch", () => {
  test("refuses a database file that is not SQLite and leaves it byte for byte as it was", async () => {
    const dataDir = tempDir();
    const dbFile = join(dataDir, "hookgate.db");
    const garbage = crypto.getRandomValues(new Uint8Array(64 * 1024));
    writeFileSync(dbFile, garbage);

    const file = writeConfigFile(`[server]\nlisten = "127.0.0.1:0"\n\n[storage]\ndata_dir = "${dataDir}"\n`);
    const run = await runHookgate(["serve", "--config", file]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("will not replace");
    expect(run.stderr).toContain(dbFile);
    expect(run.stderr).not.toContain(STACK_FRAME);
    expect(Buffer.compare(readFileSync(dbFile), Buffer.from(garbage))).toBe(0);
  }, E2E_TIMEOUT_MS);

  test("refuses a database whose schema is newer than this binary", async () => {
    const first = await startDaemon();
    expect(await first.stop()).toBe(0);
    const db = new Database(join(first.dataDir, "hookgate.db"));
    db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)");
    db.close();

    const run = await runHookgate(["serve", "--config", first.configFile!]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("schema version 999");
    expect(run.stderr).toContain("newer");
    expect(run.stderr).not.toContain(STACK_FRAME);
  }, E2E_TIMEOUT_MS);
});
