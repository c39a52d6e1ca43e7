/**
 * The backends the contract suite runs against. A new backend (PostgreSQL)
 * is one more entry here; nothing else in test/store/contract/ knows which
 * backend it talks to.
 */
import type { Store } from "../../../src/store/contract.ts";
import { openSqliteStore } from "../../../src/store/sqlite/sqlite-store.ts";
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
];
