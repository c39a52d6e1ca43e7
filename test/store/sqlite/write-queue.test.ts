import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { StoreUnavailableError, WriteQueue } from "../../../src/store/sqlite/write-queue.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";

let fresh: FreshDb;
let queue: WriteQueue;
/** A second connection to the same file, as another process would see it. */
let observer: Database;

beforeEach(() => {
  fresh = openFreshDb();
  fresh.db.run("CREATE TABLE notes (k TEXT PRIMARY KEY) STRICT");
  // Deferred, so a violation is only found by COMMIT itself.
  fresh.db.run("CREATE TABLE children (parent TEXT NOT NULL REFERENCES notes (k) DEFERRABLE INITIALLY DEFERRED) STRICT");
  queue = new WriteQueue(fresh.db);
  observer = new Database(fresh.opened.path, { strict: true });
});
afterEach(() => {
  observer.close();
  fresh.cleanup();
});

const insert = (k: string) => () => {
  fresh.db.query("INSERT INTO notes (k) VALUES (?)").run(k);
  return k;
};
/** The keys another connection sees committed. */
const committed = () => (observer.query("SELECT k FROM notes ORDER BY k").all() as { k: string }[]).map((r) => r.k);

/** Settles every promise and answers what each one did. */
async function outcomes(promises: Promise<unknown>[]): Promise<({ ok: unknown } | { err: unknown })[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === "fulfilled" ? { ok: s.value } : { err: s.reason }));
}

describe("group commit", () => {
  test("operations queued in the same turn run in one transaction and each resolves with its value", async () => {
    const seenFromOutside: string[][] = [];
    const inTransaction: boolean[] = [];
    const op = (k: string) => () => {
      inTransaction.push(fresh.db.inTransaction);
      const value = insert(k)();
      // Had an earlier operation committed on its own, another connection would see it now.
      seenFromOutside.push(committed());
      return value;
    };
    const results = await Promise.all([queue.run(op("a")), queue.run(op("b")), queue.run(op("c"))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(inTransaction).toEqual([true, true, true]);
    expect(seenFromOutside).toEqual([[], [], []]);
    expect(committed()).toEqual(["a", "b", "c"]);
  });

  test("every operation resolves only after the COMMIT: the first to resolve already sees the whole batch from another connection", async () => {
    const seenAtResolve: string[][] = [];
    const first = queue.run(insert("a")).then(() => seenAtResolve.push(committed()));
    const rest = [queue.run(insert("b")), queue.run(insert("c"))];
    await Promise.all([first, ...rest]);
    expect(seenAtResolve).toEqual([["a", "b", "c"]]);
  });

  test("an operation queued after a batch was flushed goes into the next one", async () => {
    await queue.run(insert("a"));
    const seenInside: string[][] = [];
    await queue.run(() => {
      seenInside.push(committed());
      return insert("b")();
    });
    expect(seenInside).toEqual([["a"]]);
    expect(committed()).toEqual(["a", "b"]);
  });
});

describe("an operation that throws", () => {
  test("rejects alone with its own error, its writes rolled back, while the others commit", async () => {
    const boom = new Error("boom");
    const results = await outcomes([
      queue.run(insert("a")),
      queue.run(() => {
        insert("b")();
        insert("b2")();
        throw boom;
      }),
      queue.run(insert("c")),
    ]);
    expect(results).toEqual([{ ok: "a" }, { err: boom }, { ok: "c" }]);
    expect(committed()).toEqual(["a", "c"]);
  });

  test("a constraint violation in one operation leaves the others in the batch committed", async () => {
    await queue.run(insert("taken"));
    const results = await outcomes([queue.run(insert("a")), queue.run(insert("taken")), queue.run(insert("c"))]);
    expect(results[0]).toEqual({ ok: "a" });
    expect((results[1] as { err: Error }).err.message).toMatch(/UNIQUE constraint failed/);
    expect(results[2]).toEqual({ ok: "c" });
    expect(committed()).toEqual(["a", "c", "taken"]);
  });
});

describe("a batch that cannot commit", () => {
  test("a failing COMMIT rejects every operation of the batch with StoreUnavailableError and writes nothing", async () => {
    // An orphan child passes its own statement and savepoint (the foreign key
    // is deferred) and fails the COMMIT itself, which SQLite then leaves open.
    const results = await outcomes([
      queue.run(insert("a")),
      queue.run(() => fresh.db.query("INSERT INTO children (parent) VALUES ('missing')").run()),
      queue.run(insert("c")),
    ]);
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect("err" in r).toBe(true);
      const err = (r as { err: Error }).err;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err.message).toMatch(/database write failed: FOREIGN KEY constraint failed/);
      expect((err.cause as { code?: string }).code).toBe("SQLITE_CONSTRAINT_FOREIGNKEY");
    }
    // One error object for the whole batch.
    expect(new Set(results.map((r) => (r as { err: unknown }).err)).size).toBe(1);
    expect(committed()).toEqual([]);
    expect(observer.query("SELECT count(*) AS n FROM children").get()).toEqual({ n: 0 });
    expect(fresh.db.inTransaction).toBe(false);
  });

  test("after a failed COMMIT the next batch commits normally", async () => {
    await outcomes([queue.run(insert("a")), queue.run(() => fresh.db.query("INSERT INTO children (parent) VALUES ('missing')").run())]);
    expect(await queue.run(insert("b"))).toBe("b");
    expect(committed()).toEqual(["b"]);
  });

  test("a full disk rejects the whole batch with StoreUnavailableError naming the real cause, and writes nothing", async () => {
    // max_page_count makes SQLite report SQLITE_FULL exactly as a full disk
    // does, and like a full disk it rolls back the whole transaction.
    const { page_count } = fresh.db.query("PRAGMA page_count").get() as { page_count: number };
    fresh.db.run(`PRAGMA max_page_count = ${page_count}`);
    const bigKey = "x".repeat(200_000);
    const results = await outcomes([queue.run(insert("a")), queue.run(insert(bigKey)), queue.run(insert("c"))]);
    const errors = results.map((r) => (r as { err: Error }).err);
    for (const err of errors) {
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err.message).toBe("database write failed: database or disk is full");
      expect((err.cause as { code?: string }).code).toBe("SQLITE_FULL");
    }
    expect(fresh.db.inTransaction).toBe(false);
    expect(committed()).toEqual([]);

    fresh.db.run("PRAGMA max_page_count = 1073741823");
    expect(await queue.run(insert("d"))).toBe("d");
    expect(committed()).toEqual(["d"]);
  });

  test("a write lock held by another connection rejects the whole batch with StoreUnavailableError and writes nothing", async () => {
    fresh.db.run("PRAGMA busy_timeout = 0");
    observer.run("BEGIN EXCLUSIVE");
    const results = await outcomes([queue.run(insert("a")), queue.run(insert("b"))]);
    for (const r of results) {
      const err = (r as { err: Error }).err;
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err.message).toMatch(/database write failed: database is locked/);
    }
    observer.run("ROLLBACK");
    expect(committed()).toEqual([]);
    expect(fresh.db.inTransaction).toBe(false);
    // The queue is not wedged: once the lock is gone, writes go through.
    expect(await queue.run(insert("c"))).toBe("c");
    expect(committed()).toEqual(["c"]);
  });
});

describe("close", () => {
  test("commits what is queued at once, then refuses every later write with StoreUnavailableError", async () => {
    const queued = queue.run(insert("a"));
    queue.close();
    expect(committed()).toEqual(["a"]);
    expect(await queued).toBe("a");
    await expect(queue.run(insert("b"))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(committed()).toEqual(["a"]);
  });
});

describe("the fsync off the event loop", () => {
  /** A syncWal the test finishes by hand, recording each call. */
  function manualSync() {
    const calls: { resolve: () => void; reject: (err: Error) => void }[] = [];
    let syncedNow = 0;
    const options = {
      syncWal: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
      syncWalNow: () => {
        syncedNow++;
      },
    };
    return { calls, options, syncedNow: () => syncedNow };
  }
  const synchronous = () => (fresh.db.query("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
  const settledYet = async (p: Promise<unknown>) => {
    let settled = false;
    void p.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Bun.sleep(5);
    return settled;
  };

  test("a batch is committed at once but its callers are answered only after the WAL sync", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    const a = deferred.run(insert("a"));
    await Bun.sleep(5);
    expect(committed()).toEqual(["a"]);
    expect(sync.calls.length).toBe(1);
    expect(await settledYet(a)).toBe(false);
    sync.calls[0]!.resolve();
    expect(await a).toBe("a");
  });

  test("batches committed while a sync runs wait for the next one, which covers them all", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    const a = deferred.run(insert("a"));
    await Bun.sleep(5);
    const b = deferred.run(insert("b"));
    await Bun.sleep(5);
    const c = deferred.run(insert("c"));
    await Bun.sleep(5);
    expect(committed()).toEqual(["a", "b", "c"]);
    expect(sync.calls.length).toBe(1);
    sync.calls[0]!.resolve();
    expect(await a).toBe("a");
    expect(await settledYet(b)).toBe(false);
    expect(sync.calls.length).toBe(2);
    sync.calls[1]!.resolve();
    expect(await Promise.all([b, c])).toEqual(["b", "c"]);
    expect(sync.calls.length).toBe(2);
  });

  test("a failed sync rejects the callers it covered with StoreUnavailableError, and the next batch syncs again", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    const a = deferred.run(insert("a"));
    await Bun.sleep(5);
    sync.calls[0]!.reject(new Error("EIO: i/o error, fsync"));
    const err = await a.then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err!.message).toMatch(/could not be synced to disk: EIO/);
    const b = deferred.run(insert("b"));
    await Bun.sleep(5);
    sync.calls[1]!.resolve();
    expect(await b).toBe("b");
  });

  test("commits with synchronous=NORMAL and leaves the connection at FULL for every other write", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    let during = -1;
    const a = deferred.run(() => {
      during = synchronous();
      return insert("a")();
    });
    await Bun.sleep(5);
    expect(during).toBe(1); // NORMAL
    expect(synchronous()).toBe(2); // FULL
    sync.calls[0]!.resolve();
    await a;
  });

  test("a write that need not be durable is answered at its COMMIT and asks for no fsync; a durable one beside it still waits", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    expect(await deferred.run(insert("a"), { durable: false })).toBe("a");
    expect(sync.calls.length).toBe(0);
    const b = deferred.run(insert("b"), { durable: false });
    const c = deferred.run(insert("c"));
    expect(await b).toBe("b");
    expect(await settledYet(c)).toBe(false);
    expect(sync.calls.length).toBe(1);
    sync.calls[0]!.resolve();
    expect(await c).toBe("c");
    expect(committed()).toEqual(["a", "b", "c"]);
  });

  test("close syncs what is still waiting, blocking, and answers it", async () => {
    const sync = manualSync();
    const deferred = new WriteQueue(fresh.db, sync.options);
    const a = deferred.run(insert("a"));
    await Bun.sleep(5);
    const b = deferred.run(insert("b"));
    deferred.close();
    expect(sync.syncedNow()).toBe(1);
    expect(await b).toBe("b");
    sync.calls[0]!.resolve();
    expect(await a).toBe("a");
    expect(committed()).toEqual(["a", "b"]);
  });
});

describe("batch participant", () => {
  test("hears each operation kept or rolled back, writes before the COMMIT in the same transaction, and ends the batch", async () => {
    const heard: string[] = [];
    const withParticipant = new WriteQueue(fresh.db, { participant: {
      begin: () => heard.push("begin"),
      opEnded: (kept) => heard.push(kept ? "kept" : "rolled back"),
      beforeCommit: () => {
        heard.push(`before commit (in transaction: ${fresh.db.inTransaction}, seen outside: ${committed().length})`);
        fresh.db.query("INSERT INTO notes (k) VALUES ('summary')").run();
      },
      end: () => heard.push("end"),
    } });
    const results = await outcomes([
      withParticipant.run(insert("a")),
      withParticipant.run(() => {
        insert("b")();
        throw new Error("boom");
      }),
      withParticipant.run(insert("c")),
    ]);
    expect(results.map((r) => "ok" in r)).toEqual([true, false, true]);
    expect(heard).toEqual(["begin", "kept", "rolled back", "kept", "before commit (in transaction: true, seen outside: 0)", "end"]);
    expect(committed()).toEqual(["a", "c", "summary"]);
  });

  test("a participant that fails before the COMMIT fails the whole batch, and still hears its end", async () => {
    const heard: string[] = [];
    const withParticipant = new WriteQueue(fresh.db, { participant: {
      begin: () => heard.push("begin"),
      opEnded: () => {},
      beforeCommit: () => {
        throw new Error("cannot write the summary");
      },
      end: () => heard.push("end"),
    } });
    const results = await outcomes([withParticipant.run(insert("a"))]);
    expect((results[0] as { err: unknown }).err).toBeInstanceOf(StoreUnavailableError);
    expect(heard).toEqual(["begin", "end"]);
    expect(committed()).toEqual([]);
  });
});
