/**
 * Database files hookgate cannot trust, through the real process: it must
 * say so in one line, exit 1, and never replace or "repair" the file. Damage
 * deep inside an otherwise valid file is only found when a damaged page is
 * read: start-up refuses when start-up reads it, and a running daemon that
 * meets it stops answering ready.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBacklog } from "../helpers/backlog.ts";
import { cleanupDaemons, runHookgate, startDaemon, tempDir, writeConfigFile } from "../helpers/daemon.ts";

afterAll(cleanupDaemons);

const T = 60_000;
const STACK_FRAME = "    at ";
const PAGE = 4096;

/** Runs `serve` on `dataDir` to completion (it is expected to refuse). */
async function serveOn(dataDir: string) {
  const file = writeConfigFile(`[server]\nlisten = "127.0.0.1:0"\n\n[storage]\ndata_dir = "${dataDir}"\n`);
  return runHookgate(["serve", "--config", file]);
}

/** A real hookgate database with a few hundred pending deliveries, closed; answers its path. */
async function realDatabase(): Promise<string> {
  const dataDir = tempDir();
  await buildBacklog(dataDir, { urls: ["http://127.0.0.1:9/nowhere"], deliveries: 500 });
  return join(dataDir, "hookgate.db");
}

/** The page numbers (1-based) a table or index occupies. */
function pagesOf(dbFile: string, name: string): number[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.query("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno").all(name) as { pageno: number }[]).map((r) => r.pageno);
  } finally {
    db.close();
  }
}

/** Overwrites the given pages with random bytes, leaving the header and every other page valid; answers the new bytes. */
function garblePages(dbFile: string, pages: number[]): Buffer {
  const bytes = readFileSync(dbFile);
  for (const p of pages) crypto.getRandomValues(bytes.subarray((p - 1) * PAGE, p * PAGE));
  writeFileSync(dbFile, bytes);
  return bytes;
}

function expectRefused(run: { exitCode: number; stderr: string }, dbFile: string): void {
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(`cannot use the database ${dbFile}`);
  expect(run.stderr).toContain("will not replace");
  expect(run.stderr).not.toContain(STACK_FRAME);
}

describe("an unreadable database", () => {
  test("refuses a hookgate.db that is a directory, and leaves it there", async () => {
    const dataDir = tempDir();
    const dbPath = join(dataDir, "hookgate.db");
    mkdirSync(dbPath);
    expectRefused(await serveOn(dataDir), dbPath);
    expect(statSync(dbPath).isDirectory()).toBe(true);
  }, T);

  test.each([
    ["cut short inside its header", 50],
    ["cut short after its first page", PAGE],
    ["cut short at half its length", -1],
  ])("refuses a database %s, and leaves its bytes as they were", async (_name, keep) => {
    const dbFile = await realDatabase();
    const whole = readFileSync(dbFile);
    const cut = whole.subarray(0, keep > 0 ? keep : Math.floor(whole.length / 2 / PAGE) * PAGE);
    writeFileSync(dbFile, cut);
    const run = await serveOn(join(dbFile, ".."));
    expectRefused(run, dbFile);
    expect(run.stderr).toContain("SQLITE_CORRUPT");
    expect(readFileSync(dbFile).equals(cut)).toBe(true);
  }, T);

  test("refuses a database whose header is garbled, and leaves its bytes as they were", async () => {
    const dbFile = await realDatabase();
    const bytes = readFileSync(dbFile);
    bytes.write("Garbled format 3\0", 0);
    writeFileSync(dbFile, bytes);
    const run = await serveOn(join(dbFile, ".."));
    expectRefused(run, dbFile);
    expect(run.stderr).toContain("SQLITE_NOTADB");
    expect(readFileSync(dbFile).equals(bytes)).toBe(true);
  }, T);
});

describe("a database damaged in the middle (valid header, garbage pages)", () => {
  test("refuses to start when start-up reads a damaged page (here the table of applied migrations)", async () => {
    const dbFile = await realDatabase();
    const bytes = garblePages(dbFile, pagesOf(dbFile, "schema_migrations"));
    const run = await serveOn(join(dbFile, ".."));
    expectRefused(run, dbFile);
    expect(run.stderr).toContain("SQLITE_CORRUPT");
    expect(readFileSync(dbFile).equals(bytes)).toBe(true);
  }, T);

  test("starts when the damage is where start-up does not look (the events' pages), then answers /readyz 503 naming it, and leaves the damage alone", async () => {
    const dbFile = await realDatabase();
    const inode = statSync(dbFile).ino;
    const damaged = pagesOf(dbFile, "events").slice(1); // the root stays: the damage is in the leaves
    const bytes = garblePages(dbFile, damaged);
    const daemon = await startDaemon({ config: "[delivery]\nrequire_https = false\nallow_private_networks = true\n", dataDir: join(dbFile, "..") });

    const deadline = Date.now() + 15_000;
    let ready: Response;
    while ((ready = await fetch(`${daemon.url}/readyz`)).status === 200) {
      if (Date.now() > deadline) throw new Error("a daemon that cannot read its deliveries' events still answers ready");
      await Bun.sleep(100);
    }
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details).toContainEqual({ path: "delivery", message: expect.stringContaining("malformed") });
    expect(daemon.logs().some((r) => r.msg === "dispatcher tick failed; retrying shortly" && r.err?.code === "SQLITE_CORRUPT")).toBe(true);
    expect(await daemon.stop()).toBe(0);

    expect(statSync(dbFile).ino).toBe(inode);
    const now = readFileSync(dbFile);
    for (const p of damaged) expect(now.subarray((p - 1) * PAGE, p * PAGE).equals(bytes.subarray((p - 1) * PAGE, p * PAGE))).toBe(true);
  }, T);
});
