/**
 * The crash soak on PostgreSQL (bench/soak.ts with three nodes): 12 clients
 * ingesting over three hookgate processes on one database while one of them
 * is killed with SIGKILL every few seconds and restarted, and the receiver
 * fails a quarter of its requests. Every acknowledged event must arrive;
 * duplicates are counted and reported (delivery is at least once).
 */
import { expect, test } from "bun:test";
import { runSoak } from "../../bench/soak.ts";
import { freshPostgresDatabase } from "../helpers/postgres.ts";

test(
  "three nodes on one database: no acknowledged event is lost while one at a time is killed every few seconds",
  async () => {
    const database = await freshPostgresDatabase();
    try {
      const report = await runSoak({
        durationMs: 15_000,
        clients: 12,
        paceMs: 25,
        killEveryMs: [2000, 3500],
        drainTimeoutMs: 40_000,
        postgres: { url: database.url, nodes: 3 },
        log: () => {},
      });
      console.log(`postgres soak: ${JSON.stringify({ ...report, lost_ids: undefined })}`);
      expect(report.kills_survived).toBeGreaterThanOrEqual(3);
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.receiver_503s).toBeGreaterThan(0);
      expect(report.lost_ids).toEqual([]);
      expect(report.lost).toBe(0);
      expect(report.final_exit_code).toBe(0);
    } finally {
      await database.drop();
    }
  },
  120_000,
);
