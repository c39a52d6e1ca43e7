/** A SQLite store over a fresh migrated database, and endpoint inputs for it. */
import { FakeClock } from "../../src/clock.ts";
import { createIdGenerator, type IdGenerator } from "../../src/domain/ids.ts";
import { generateSecret } from "../../src/domain/secret.ts";
import { createSqliteStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { NewEndpoint } from "../../src/store/contract.ts";
import { openFreshDb, type FreshDb } from "./fresh-db.ts";

export interface FreshStore extends FreshDb {
  store: SqliteStore;
  clock: FakeClock;
  ids: IdGenerator;
  /** A valid endpoint input with a new id; fields can be overridden. */
  newEndpoint(overrides?: Partial<NewEndpoint>): NewEndpoint;
}

/** Deterministic "random" bytes: a counter, so every secret differs and tests repeat exactly. */
export function countingBytes(): (n: number) => Uint8Array {
  let next = 0;
  return (n) => Uint8Array.from({ length: n }, () => next++ % 256);
}

/** The store the daemon builds, over a database no other test sees. */
export function openFreshStore(): FreshStore {
  const fresh = openFreshDb();
  const clock = new FakeClock();
  const bytes = countingBytes();
  const ids = createIdGenerator(() => clock.now(), bytes);
  // The fresh db's cleanup closes the database; the store must not close it twice.
  const store = createSqliteStore(fresh.db, () => {});
  return {
    ...fresh,
    // The store's own lease connection first, then the database and the dir.
    cleanup() {
      void store.close();
      fresh.cleanup();
    },
    store,
    clock,
    ids,
    newEndpoint: (overrides = {}) => ({
      id: ids("ep"),
      tenant: "default",
      url: "https://receiver.example.com/hooks",
      description: "",
      eventTypes: ["*"],
      headers: {},
      metadata: {},
      secret: generateSecret(bytes),
      ...overrides,
    }),
  };
}
