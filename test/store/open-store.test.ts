/**
 * openStore picks the backend storage.driver names and answers what differs
 * between them at start: the node id that owns this process's leases, whose
 * leases are a dead process's, and how the database is named.
 */
import { SQL } from "bun";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { configSchema, type Config } from "../../src/config/schema.ts";
import { NODE_ID_FILE } from "../../src/node-id.ts";
import { StartupError } from "../../src/startup-error.ts";
import { LOCK_FILE, lockDataDir } from "../../src/store/data-dir.ts";
import { StoreUnavailableError } from "../../src/store/errors.ts";
import { openStore, type OpenedStore, type OpenStoreDeps } from "../../src/store/open-store.ts";
import { DATABASE_FILE } from "../../src/store/sqlite/open.ts";
import { freshPostgresDatabase } from "../helpers/postgres.ts";
import { createTempDir, type TempDir } from "../helpers/temp-dir.ts";

let dir: TempDir;
let opened: OpenedStore[];

beforeEach(() => {
  dir = createTempDir("hookgate-open-store-");
  opened = [];
});
afterEach(async () => {
  for (const o of opened) await o.store.close();
  dir.cleanup();
});

const DB_PASSWORD = "open-store-pw";
/** Nothing listens on port 1. */
const UNREACHABLE = `postgres://hookgate:${DB_PASSWORD}@127.0.0.1:1/hookgate`;

function config(storage: Record<string, unknown>): Config {
  return configSchema.parse({ storage: { data_dir: dir.join("data"), ...storage } });
}

function deps(migrated: string[] = []): OpenStoreDeps {
  let runs = 0;
  return {
    now: 1_700_000_000_000,
    randomBytes: (n) => new Uint8Array(n).fill(0xab),
    runNodeId: () => `node_run${++runs}`,
    onMigrated: (_versions, where) => migrated.push(where),
    checkpointWorkerUrl: new URL("../../src/store/sqlite/checkpoint-worker.ts", import.meta.url).href,
    onChoreError: () => {},
    onWarning: (fields, message) => void warnings.push({ fields, message }),
  };
}

const warnings: { fields: Record<string, unknown>; message: string }[] = [];

async function open(c: Config, d: OpenStoreDeps = deps()): Promise<OpenedStore> {
  const o = await openStore(c, d);
  opened.push(o);
  return o;
}

async function openFailure(c: Config): Promise<Error> {
  try {
    await open(c);
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected openStore to fail");
}

describe("with driver sqlite", () => {
  test("opens the database in the data dir, takes over every lease at start and names its owner per run", async () => {
    const migrated: string[] = [];
    const o = await open(config({}), deps(migrated));
    expect(o.deadAtStart).toBe("all");
    expect(o.owner).toBe("node_run1");
    expect(o.describe).toBe(dir.join("data", DATABASE_FILE));
    expect(migrated).toEqual([dir.join("data", DATABASE_FILE)]);
    await o.store.checkWritable();
    // No node-id file: an id per run is enough when one process holds the database.
    expect(existsSync(dir.join("data", NODE_ID_FILE))).toBe(false);
  });

  test("holds the data dir lock until the store is closed", async () => {
    const o = await open(config({}));
    expect(() => lockDataDir(dir.join("data"))).toThrow("another hookgate is already running");
    await o.store.close();
    lockDataDir(dir.join("data")).release();
  });

  test("explains a start-up commit that fails as the database's disk, naming the file, and leaves other errors alone", async () => {
    const o = await open(config({}));
    const explained = o.explain(new StoreUnavailableError("disk I/O error"));
    expect(explained).toBeInstanceOf(StartupError);
    expect(explained!.message).toBe(`cannot write to the database ${dir.join("data", DATABASE_FILE)} at start-up: disk I/O error (is its disk full or read-only?)`);
    expect(o.explain(new Error("something else"))).toBeNull();
  });
});

describe("with driver postgres", () => {
  test("creates and locks its own data dir and writes its node id there before it reaches the database", async () => {
    const err = await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    expect(err.message).not.toContain(DB_PASSWORD);
    expect(readFileSync(dir.join("data", NODE_ID_FILE), "utf8")).toBe(`node_${"ab".repeat(16)}\n`);
    expect(existsSync(dir.join("data", LOCK_FILE))).toBe(true);
    // No SQLite database is made for a postgres process.
    expect(existsSync(dir.join("data", DATABASE_FILE))).toBe(false);
  });

  test("drops the data dir lock when it cannot open, so a retry is not told another hookgate runs", async () => {
    await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    lockDataDir(dir.join("data")).release();
    const again = await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    expect(again.message).not.toContain("another hookgate is already running");
  });

  test("keeps the node id of the first start on later starts", async () => {
    await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    const first = readFileSync(dir.join("data", NODE_ID_FILE), "utf8");
    await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    expect(readFileSync(dir.join("data", NODE_ID_FILE), "utf8")).toBe(first);
  });

  test("refuses a data dir another hookgate holds, before anything else", async () => {
    const other = lockDataDir(dir.join("data"));
    try {
      const err = await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
      expect(err).toBeInstanceOf(StartupError);
      expect(err.message).toContain("another hookgate is already running");
      expect(existsSync(dir.join("data", NODE_ID_FILE))).toBe(false);
    } finally {
      other.release();
    }
  });
});

describe("with driver postgres, on a real server", () => {
  test("an unreachable database is a StartupError naming the host, without the password", async () => {
    const err = await openFailure(config({ driver: "postgres", url: UNREACHABLE }));
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain("cannot reach the database at 127.0.0.1:1");
    expect(err.message).not.toContain(DB_PASSWORD);
  });

  test("opens and migrates the database, takes back only its own leases at start, and warns when commits are not durable", async () => {
    const db = await freshPostgresDatabase();
    try {
      const admin = new SQL(db.url);
      await admin.unsafe(`ALTER DATABASE "${db.name}" SET synchronous_commit = off`);
      await admin.close();
      warnings.length = 0;
      const o = await open(config({ driver: "postgres", url: db.url }));
      expect(o.deadAtStart).toEqual([o.owner]);
      expect(o.owner).toBe(`node_${"ab".repeat(16)}`);
      await o.store.checkWritable();
      expect(warnings).toEqual([{ fields: { synchronous_commit: "off", database: o.describe }, message: expect.stringContaining("synchronous_commit") }]);
      await o.store.close();
    } finally {
      await db.drop();
    }
  });
});
