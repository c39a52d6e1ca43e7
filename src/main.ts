#!/usr/bin/env bun
/**
 * The hookgate command line: serve, check-config, version, healthcheck, import-sqlite.
 * Operator mistakes (bad config, locked or corrupt data dir) end with a
 * plain message and a distinct exit code, never a stack trace.
 */
import { startApp } from "./daemon.ts";
import { writeCommandOutput } from "./command-output.ts";
import { CONFIG_EXIT_CODE, ConfigError, loadConfig, type LoadedConfig } from "./config/load.ts";
import { renderConfig, renderSources } from "./config/render.ts";
import { bracketHost } from "./domain/host.ts";
import { parseListen } from "./domain/listen.ts";
import { createLogger, flushThenExit } from "./log.ts";
import { installShutdown } from "./shutdown.ts";
import { systemClock } from "./clock.ts";
import { StartupError } from "./startup-error.ts";
import { StoreUnavailableError } from "./store/errors.ts";
import { importSqlite } from "./store/import-sqlite.ts";
import { notifyReady } from "./systemd/notify.ts";
import { VERSION } from "./version.ts";

const USAGE = `hookgate ${VERSION}: a self-hosted webhook gateway

usage:
  hookgate serve [--config FILE]         run the daemon
  hookgate check-config [--config FILE]  validate and print the effective config (secrets masked)
  hookgate healthcheck [--config FILE]   exit 0 when the local daemon answers /readyz
  hookgate import-sqlite DATA_DIR [--config FILE]
                                         copy a stopped SQLite hookgate into the configured, empty PostgreSQL database
  hookgate version                       print the version

Without --config, ./hookgate.toml is read when present, else the built-in
defaults apply. Any key can be set as HOOKGATE_<SECTION>_<KEY>.`;

const EXIT_USAGE = 64;

interface Args {
  command: string;
  /** Arguments after the command (import-sqlite's DATA_DIR). */
  operands: string[];
  config: string | undefined;
}

function parseArgs(argv: string[]): Args | string {
  let command: string | undefined;
  let config: string | undefined;
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--config" || arg === "-c") {
      config = argv[++i];
      if (config === undefined) return "--config needs a file name";
    } else if (arg.startsWith("--config=")) {
      config = arg.slice("--config=".length);
    } else if (arg === "--help" || arg === "-h") {
      command = "help";
    } else if (arg === "--version") {
      command = "version";
    } else if (!arg.startsWith("-") && command === undefined) {
      command = arg;
    } else if (!arg.startsWith("-") && command === "import-sqlite" && operands.length === 0) {
      operands.push(arg);
    } else {
      return `unexpected argument: ${arg}`;
    }
  }
  return { command: command ?? "help", config, operands };
}

/**
 * `serve` exits 78 on a bad config, so systemd does not restart into the same
 * error (RestartPreventExitStatus=78); check-config exits 1 as the contract
 * says, and so does healthcheck, since Docker's HEALTHCHECK knows only 0 and 1.
 * `forServe` adds serve's own rules (the shared secrets postgres needs).
 */
function loadOrExit(path: string | undefined, exitCode: number, forServe = false): LoadedConfig {
  try {
    return loadConfig({ path, forServe });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hookgate: invalid configuration:\n${err.problems.map((p) => `  ${p}`).join("\n")}\n`);
      process.exit(exitCode);
    }
    throw err;
  }
}

async function serve(configPath: string | undefined): Promise<void> {
  // Everything hookgate creates (database, WAL, generated secrets) is private to its user.
  process.umask(0o077);
  const { config, file, overrides } = loadOrExit(configPath, CONFIG_EXIT_CODE, true);
  const log = createLogger(config.log.level);
  log.info({ version: VERSION, config: file ?? "built-in defaults", environment: overrides.map((o) => o.variable) }, "starting");
  let app;
  try {
    app = await startApp(config, { log });
  } catch (err) {
    if (err instanceof StartupError) {
      log.fatal({ reason: err.message }, "cannot start");
      process.stderr.write(`hookgate: cannot start: ${err.message}\n`);
      flushThenExit(log, 1);
      return;
    }
    throw err;
  }
  installShutdown(app, log, config.server.shutdown_timeout);
  try {
    notifyReady(`listening on ${app.url}`);
  } catch (err) {
    log.warn({ err }, "could not notify systemd of readiness");
  }
}

function checkConfig(configPath: string | undefined): void {
  // Serve's own rules too: check-config answers whether serve would start on this.
  const { config, file, overrides, written } = loadOrExit(configPath, 1, true);
  writeCommandOutput(`${renderSources(file, overrides)}${renderConfig(config, written)}\n`);
}

async function healthcheck(configPath: string | undefined): Promise<number> {
  const { config } = loadOrExit(configPath, 1);
  const listen = parseListen(config.server.listen)!;
  // A wildcard listen address is reached through loopback.
  const host = bracketHost(listen.hostname === "0.0.0.0" ? "127.0.0.1" : listen.hostname === "::" ? "::1" : listen.hostname);
  try {
    const res = await fetch(`http://${host}:${listen.port}/readyz`, { signal: AbortSignal.timeout(3000) });
    if (res.ok) return 0;
    process.stderr.write(`hookgate: not ready: HTTP ${res.status} ${await res.text()}\n`);
  } catch (err) {
    process.stderr.write(`hookgate: no answer from http://${host}:${listen.port}/readyz: ${(err as Error).message}\n`);
  }
  return 1;
}

/** Copies a stopped SQLite data dir into the PostgreSQL database the config names; prints what it copied. */
async function importSqliteCommand(dataDir: string | undefined, configPath: string | undefined): Promise<number> {
  if (dataDir === undefined) {
    process.stderr.write(`hookgate: import-sqlite needs the SQLite data dir to copy from\n\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const { config } = loadOrExit(configPath, 1);
  if (config.storage.driver !== "postgres") {
    process.stderr.write('hookgate: import-sqlite copies into the PostgreSQL database of the config: set storage.driver = "postgres" and storage.url\n');
    return 1;
  }
  try {
    const counts = await importSqlite({ dataDir, url: config.storage.url, poolSize: 2, now: systemClock.now() });
    writeCommandOutput(
      `imported from ${dataDir}: ${counts.endpoints} endpoints (${counts.secrets} secrets), ${counts.events} events, ` +
        `${counts.deliveries} deliveries, ${counts.attempts} attempts, ${counts.idempotencyKeys} idempotency keys\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof StartupError || err instanceof StoreUnavailableError) {
      process.stderr.write(`hookgate: import-sqlite: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    process.stderr.write(`hookgate: ${args}\n\n${USAGE}\n`);
    process.exit(EXIT_USAGE);
  }
  switch (args.command) {
    case "serve":
      return serve(args.config);
    case "check-config":
      return checkConfig(args.config);
    case "healthcheck":
      process.exit(await healthcheck(args.config));
    case "import-sqlite":
      process.exit(await importSqliteCommand(args.operands[0], args.config));
    case "version":
      writeCommandOutput(`hookgate ${VERSION}\n`);
      return;
    case "help":
      writeCommandOutput(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`hookgate: unknown command "${args.command}"\n\n${USAGE}\n`);
      process.exit(EXIT_USAGE);
  }
}

await main(process.argv.slice(2));
