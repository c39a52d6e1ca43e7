/**
 * Periodic jobs, the only user of croner. Each job has a stable id, never
 * overlaps itself, logs its own failure and never takes the process down.
 * A job for the cluster runs once per scheduled time however many processes
 * share the database: each process fires at the pattern's time by its own
 * clock, so all of them ask for the same scheduled time, and the store
 * answers yes to one (maintenance.claimJobRun).
 */
import { Cron } from "croner";
import type { Logger } from "../log.ts";

export interface Job {
  /** Stable id, used in logs. */
  id: string;
  /** Cron pattern with seconds, e.g. "*\/30 * * * * *". */
  pattern: string;
  /** "cluster": once per scheduled time among every process on the database; "process": in each process. */
  scope: "cluster" | "process";
  run(): Promise<void>;
}

export interface JobOptions {
  /** Claims the run of a cluster job scheduled at `scheduledAt` (epoch ms); false: another process has it. */
  claimRun(job: string, scheduledAt: number): Promise<boolean>;
}

export interface RunningJobs {
  /** Cancels every schedule and waits for runs in progress, so none writes after the store closes. */
  stop(): Promise<void>;
}

/** Schedules every job. */
export function startJobs(jobs: Job[], log: Logger, options: JobOptions): RunningJobs {
  const running = new Set<Promise<void>>();
  const runOnce = async (job: Job, cron: Cron): Promise<void> => {
    if (job.scope === "cluster") {
      // The pattern's second this run is for: croner fires a little after it
      // (by this process's clock), so the start of the second names it.
      const firedAt = cron.currentRun()?.getTime();
      // Without it there is nothing to agree on: skip rather than risk a second run.
      if (firedAt === undefined || !(await options.claimRun(job.id, Math.floor(firedAt / 1000) * 1000))) return;
    }
    await job.run();
  };
  const crons = jobs.map(
    (job) =>
      new Cron(job.pattern, { protect: true }, async (cron: Cron) => {
        const run = runOnce(job, cron).catch((err: unknown) => log.error({ err, job: job.id }, "job failed"));
        running.add(run);
        await run;
        running.delete(run);
      }),
  );
  log.debug({ jobs: jobs.map((j) => `${j.id} ${j.pattern}`) }, "jobs scheduled");
  return {
    async stop() {
      for (const c of crons) c.stop();
      await Promise.all([...running]);
    },
  };
}
