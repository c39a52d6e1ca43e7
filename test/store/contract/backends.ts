/**
 * The backends the contract suite runs against, each one entry here;
 * nothing else in test/store/contract/ knows which backend it talks to.
 * PostgreSQL runs on the one test server of this process
 * (test/helpers/postgres.ts), a fresh database per open.
 */
import type { Store } from "../../../src/store/contract.ts";
import { openPostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
import { freshPostgresDatabase, type PostgresTemplate } from "../../helpers/postgres.ts";
import { createTempDir } from "../../helpers/temp-dir.ts";

export interface OpenedBackend {
  store: Store;
  /** The same data, opened again after close (durability). */
  reopen?(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: string;
  open(): Promise<OpenedBackend>;
}

/** The time the backends record as their migration time; any fixed value. */
const OPENED_AT = Date.UTC(2026, 0, 1);

/** Each PostgreSQL test database is a copy of one migrated once (test/store/postgres/ tests the migration itself). */
const MIGRATED: PostgresTemplate = {
  name: "contract_migrated",
  async prepare(url) {
    const store = await openPostgresStore({ url, poolSize: 1, now: OPENED_AT });
    await store.close();
  },
};

export const backends: Backend[] = [
  {
    name: "sqlite",
    async open() {
      const dir = createTempDir("hookgate-contract-");
      const dataDir = dir.join("data");
      let current: Store;
      try {
        current = openSqliteStore({ dataDir, now: OPENED_AT });
      } catch (err) {
        dir.cleanup();
        throw err;
      }
      return {
        get store() {
          return current;
        },
        async reopen() {
          await current.close();
          current = openSqliteStore({ dataDir, now: OPENED_AT });
          return current;
        },
        async cleanup() {
          try {
            await current.close();
          } finally {
            dir.cleanup();
          }
        },
      };
    },
  },
  {
    name: "postgres",
    async open() {
      const database = await freshPostgresDatabase({ template: MIGRATED });
      const open = () => openPostgresStore({ url: database.url, poolSize: 8, now: OPENED_AT });
      let current: Store;
      try {
        current = await open();
      } catch (err) {
        await database.drop();
        throw err;
      }
      return {
        get store() {
          return current;
        },
        async reopen() {
          await current.close();
          current = await open();
          return current;
        },
        async cleanup() {
          try {
            await current.close();
          } finally {
            await database.drop();
          }
        },
      };
    },
  },
];
