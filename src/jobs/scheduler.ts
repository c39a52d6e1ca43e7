/**
 * Periodic jobs, the only user of croner. Each job has a stable id, never
 * overlaps itself, logs its own failure and never takes the process down.
 */
import { Cron } from "croner";
import type { Logger } from "../log.ts";

export interface Job {
  /** Stable id, used in logs. */
  id: string;
  /** Cron pattern with seconds, e.g. "*\/30 * * * * *". */
  pattern: string;
  run(): Promise<void>;
}

export interface RunningJobs {
  /** Cancels every schedule and waits for runs in progress, so none writes after the store closes. */
  stop(): Promise<void>;
}

/** Schedules every job. */
export function startJobs(jobs: Job[], log: Logger): RunningJobs {
  const running = new Set<Promise<void>>();
  const crons = jobs.map(
    (job) =>
      new Cron(job.pattern, { name: job.id, protect: true }, async () => {
        const run = job.run().catch((err: unknown) => log.error({ err, job: job.id }, "job failed"));
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
