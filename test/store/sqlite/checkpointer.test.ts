import { afterEach, beforeEach, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { Checkpointer } from "../../../src/store/sqlite/checkpointer.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";

let fresh: FreshDb;
let checkpointer: Checkpointer;
beforeEach(() => {
  fresh = openFreshDb();
  checkpointer = new Checkpointer(fresh.opened.path);
});
afterEach(async () => {
  await checkpointer.close();
  fresh.cleanup();
});

const databaseBytes = () => statSync(fresh.opened.path).size;

test("the worker's checkpoint moves the WAL's pages into the database file", async () => {
  fresh.db.run("CREATE TABLE filler (v BLOB) STRICT");
  const insert = fresh.db.query("INSERT INTO filler (v) VALUES (randomblob(4000))");
  fresh.db.transaction(() => {
    for (let i = 0; i < 200; i++) insert.run();
  })();
  const before = databaseBytes();
  await checkpointer.checkpoint();
  expect(databaseBytes()).toBeGreaterThan(before + 200 * 4000);
});

test("calls while one checkpoint runs share it, and later calls run again", async () => {
  const [a, b] = [checkpointer.checkpoint(), checkpointer.checkpoint()];
  expect(a).toBe(b);
  await a;
  fresh.db.run("CREATE TABLE later (v INTEGER)");
  await checkpointer.checkpoint();
});

test("a checkpoint that cannot open the database rejects, and the next one tries again", async () => {
  const broken = new Checkpointer(`${fresh.dataDir}/no-such-dir/hookgate.db`);
  await expect(broken.checkpoint()).rejects.toThrow(/checkpoint worker/);
  await expect(broken.checkpoint()).rejects.toThrow(/checkpoint worker/);
  await broken.close();
});
