/**
 * A short run of the crash soak (bench/soak.ts; `bun run soak` runs the long
 * one): 16 clients ingesting, the daemon killed with SIGKILL every few
 * seconds and restarted on the same data dir, a receiver failing a quarter
 * of its requests. Every acknowledged event must arrive; none may be lost.
 */
import { expect, test } from "bun:test";
import { runSoak } from "../../bench/soak.ts";

test(
  "no acknowledged event is lost while the daemon is killed every few seconds and the receiver fails a quarter of its requests",
  async () => {
    const report = await runSoak({ durationMs: 15_000, clients: 16, paceMs: 25, killEveryMs: [1500, 3000], drainTimeoutMs: 30_000, log: () => {} });
    console.log(`soak: ${JSON.stringify({ ...report, lost_ids: undefined })}`);
    expect(report.kills_survived).toBeGreaterThanOrEqual(3);
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.receiver_503s).toBeGreaterThan(0);
    expect(report.lost_ids).toEqual([]);
    expect(report.lost).toBe(0);
    expect(report.final_exit_code).toBe(0);
  },
  90_000,
);
