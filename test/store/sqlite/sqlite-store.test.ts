import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createSqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";

describe("checkWritable", () => {
  let s: FreshStore;
  beforeEach(() => {
    s = openFreshStore();
  });
  afterEach(() => s.cleanup());

  test("resolves on a writable database and leaves no row behind", async () => {
    const before = s.db.query("SELECT * FROM schema_migrations ORDER BY version").all();
    await expect(s.store.checkWritable()).resolves.toBeUndefined();
    await expect(s.store.checkWritable()).resolves.toBeUndefined();
    expect(s.db.query("SELECT * FROM schema_migrations ORDER BY version").all()).toEqual(before);
  });

  test("rejects when the database refuses writes", async () => {
    s.db.run("PRAGMA query_only = ON");
    await expect(s.store.checkWritable()).rejects.toThrow(/readonly/);
  });
});

describe("close", () => {
  let fresh: FreshDb;
  beforeEach(() => {
    fresh = openFreshDb();
  });
  afterEach(() => fresh.cleanup());

  test("calls the close function it was given", async () => {
    let closed = 0;
    const store = createSqliteStore(fresh.db, () => closed++);
    await store.close();
    expect(closed).toBe(1);
  });
});
