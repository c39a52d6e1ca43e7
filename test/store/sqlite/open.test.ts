import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Database, SQLiteError } from "bun:sqlite";
import { DATABASE_FILE, openDatabase, unusableDatabase, type OpenedDatabase } from "../../../src/store/sqlite/open.ts";
import { StoreUnavailableError } from "../../../src/store/sqlite/write-queue.ts";
import { StartupError } from "../../../src/startup-error.ts";
import { createTempDir, type TempDir } from "../../helpers/temp-dir.ts";

let dir: TempDir;
let opened: OpenedDatabase[];

beforeEach(() => {
  dir = createTempDir("hookgate-open-");
  opened = [];
});
afterEach(() => {
  for (const o of opened) o.close();
  dir.cleanup();
});

/** Opens and remembers the database so afterEach closes it. */
function open(dataDir: string): OpenedDatabase {
  const o = openDatabase(dataDir);
  opened.push(o);
  return o;
}

/** Closes a database opened with open() before the test ends. */
function close(o: OpenedDatabase): void {
  o.close();
  opened.splice(opened.indexOf(o), 1);
}

/** The error openDatabase throws, or a failure when it opens. */
function openError(dataDir: string): Error {
  try {
    open(dataDir);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`expected openDatabase(${dataDir}) to fail`);
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** How many of this process's file descriptors point at `path` (Linux /proc). */
function openDescriptors(path: string): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed while we looked
    }
  }).length;
}

describe("openDatabase", () => {
  test.each([
    ["journal_mode", "wal"],
    ["synchronous", 2],
    ["foreign_keys", 1],
    ["busy_timeout", 5000],
  ])("sets PRAGMA %s to %p", (pragma, value) => {
    const { db } = open(dir.join("data"));
    expect(Object.values(db.query(`PRAGMA ${pragma}`).get() as object)[0]).toBe(value);
  });

  test("creates a missing data dir, parents included, with mode 0700 and the database file with mode 0600", () => {
    const dataDir = dir.join("var", "lib", "hookgate");
    const { path } = open(dataDir);
    expect(path).toBe(`${dataDir}/${DATABASE_FILE}`);
    expect(statSync(dataDir).isDirectory()).toBe(true);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${dataDir}/hookgate.lock`)).toBe(0o600);
  });

  test("makes an existing database file 0600 again", () => {
    const dataDir = dir.join("data");
    close(open(dataDir));
    chmodSync(`${dataDir}/${DATABASE_FILE}`, 0o644);
    const { path } = open(dataDir);
    expect(mode(path)).toBe(0o600);
  });

  test("keeps the data of an existing database", () => {
    const dataDir = dir.join("data");
    const first = open(dataDir);
    first.db.run("CREATE TABLE kept (v TEXT)");
    first.db.run("INSERT INTO kept VALUES ('still here')");
    close(first);
    expect(open(dataDir).db.query("SELECT v FROM kept").get()).toEqual({ v: "still here" });
  });

  test("refuses a second open of the same data dir as another hookgate already running, and allows it once the first is closed", () => {
    const dataDir = dir.join("data");
    const first = open(dataDir);
    const err = openError(dataDir);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain("already running");
    expect(err.message).toContain(dataDir);
    close(first);
    expect(open(dataDir).db.query("SELECT 1 AS one").get()).toEqual({ one: 1 });
  });

  test("refuses a hookgate.db that is not SQLite and leaves its bytes unchanged", () => {
    const dataDir = dir.join("data");
    mkdirSync(dataDir, { mode: 0o700 });
    const file = `${dataDir}/${DATABASE_FILE}`;
    const bytes = Buffer.from("these are the operator's bytes, not a database\n".repeat(100));
    writeFileSync(file, bytes, { mode: 0o640 });
    const err = openError(dataDir);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain(file);
    expect(err.message).toContain("not a database");
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(mode(file)).toBe(0o640);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  test("closes the file it could not use as a database", () => {
    const dataDir = dir.join("data");
    mkdirSync(dataDir);
    const file = `${dataDir}/${DATABASE_FILE}`;
    writeFileSync(file, "x".repeat(4096));
    expect(openError(dataDir)).toBeInstanceOf(StartupError);
    expect(openDescriptors(file)).toBe(0);
  });

  test("releases the data dir lock when the database cannot be opened", () => {
    const dataDir = dir.join("data");
    mkdirSync(dataDir);
    const file = `${dataDir}/${DATABASE_FILE}`;
    writeFileSync(file, "x".repeat(4096));
    expect(openError(dataDir)).toBeInstanceOf(StartupError);
    rmSync(file);
    expect(open(dataDir).db.query("SELECT 1 AS one").get()).toEqual({ one: 1 });
  });

  test("refuses a hookgate.db that is a directory and leaves it there", () => {
    const dataDir = dir.join("data");
    const path = `${dataDir}/${DATABASE_FILE}`;
    mkdirSync(path, { recursive: true });
    const err = openError(dataDir);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain(`cannot use the database ${path}`);
    expect(err.message).toContain("SQLITE_CANTOPEN");
    expect(err.message).toContain("will not replace it");
    expect(statSync(path).isDirectory()).toBe(true);
  });

  test("refuses a database cut short after its first page and leaves its bytes unchanged", () => {
    const dataDir = dir.join("data");
    const first = open(dataDir);
    first.db.run("CREATE TABLE kept (v TEXT)");
    for (let i = 0; i < 200; i++) first.db.run("INSERT INTO kept VALUES (?)", ["x".repeat(500)]);
    first.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    close(first);
    const file = `${dataDir}/${DATABASE_FILE}`;
    const cut = readFileSync(file).subarray(0, 4096);
    writeFileSync(file, cut);
    const err = openError(dataDir);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toContain("SQLITE_CORRUPT");
    expect(readFileSync(file).equals(cut)).toBe(true);
  });

  test("refuses a data_dir that is a file", () => {
    const path = dir.join("not-a-dir");
    writeFileSync(path, "");
    const err = openError(path);
    expect(err).toBeInstanceOf(StartupError);
    expect(err.message).toBe(`data_dir ${path} exists and is not a directory`);
  });
});

describe("unusableDatabase", () => {
  /** A real SQLiteError with the given code, from a database that is not one. */
  function sqliteError(): SQLiteError {
    const file = dir.join("not-a-db");
    writeFileSync(file, "x".repeat(4096));
    const db = new Database(file);
    try {
      db.query("SELECT * FROM sqlite_schema").all();
    } catch (err) {
      return err as SQLiteError;
    } finally {
      db.close();
    }
    throw new Error("expected SQLite to refuse the file");
  }

  test("explains a damaged database met after the open, also when it comes wrapped by a failed commit", () => {
    const raw = sqliteError();
    expect(raw.code).toBe("SQLITE_NOTADB");
    for (const err of [raw, new StoreUnavailableError("database write failed", { cause: raw })]) {
      const explained = unusableDatabase(err, "/data/hookgate.db");
      expect(explained).toBeInstanceOf(StartupError);
      expect(explained!.message).toStartWith("cannot use the database /data/hookgate.db: file is not a database (SQLITE_NOTADB). hookgate will not replace it");
    }
  });

  test("leaves any other error alone", () => {
    expect(unusableDatabase(new Error("boom"), "/data/hookgate.db")).toBeNull();
    expect(unusableDatabase(null, "/data/hookgate.db")).toBeNull();
  });
});
