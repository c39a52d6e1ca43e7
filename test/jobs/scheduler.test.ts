import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { startJobs } from "../../src/jobs/scheduler.ts";
import { createLogger } from "../../src/log.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { createTempDir } from "../helpers/temp-dir.ts";

const everyRunIsOurs = { claimRun: async () => true };

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: createLogger("info", stream as any), lines };
}

test(
  "logs a failing job with its id and keeps running it",
  async () => {
    const { log, lines } = capturingLogger();
    let runs = 0;
    const jobs = startJobs(
      [
        {
          id: "always-fails",
          pattern: "* * * * * *",
          scope: "process",
          run: async () => {
            runs++;
            throw new Error("boom");
          },
        },
      ],
      log,
      everyRunIsOurs,
    );
    const deadline = Date.now() + 10_000;
    while (runs < 2 && Date.now() < deadline) await Bun.sleep(50);
    await jobs.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    await Bun.sleep(10); // pino writes asynchronously
    const failures = lines.filter((l) => l.msg === "job failed");
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures[0]).toMatchObject({ level: "error", job: "always-fails", err: { message: "boom" } });
  },
  15_000,
);

test(
  "stop waits for a run in progress",
  async () => {
    const { log } = capturingLogger();
    let release!: () => void;
    let started = false;
    let finished = false;
    const jobs = startJobs(
      [
        {
          id: "slow",
          pattern: "* * * * * *",
          scope: "process",
          run: async () => {
            started = true;
            await new Promise<void>((r) => (release = r));
            finished = true;
          },
        },
      ],
      log,
      everyRunIsOurs,
    );
    const deadline = Date.now() + 10_000;
    while (!started && Date.now() < deadline) await Bun.sleep(20);
    expect(started).toBe(true);
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await Bun.sleep(50);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
  },
  15_000,
);

test(
  "a cluster job scheduled in two processes on one database runs once per scheduled time; a process job runs in each",
  async () => {
    const { log } = capturingLogger();
    const dir = createTempDir("hookgate-jobs-");
    const store = openSqliteStore({ dataDir: dir.join("data"), now: Date.now() });
    const answers = new Map<number, boolean[]>();
    const claimRun = async (job: string, scheduledAt: number) => {
      const yes = await store.maintenance.claimJobRun({ job, scheduledAt, now: Date.now() });
      answers.set(scheduledAt, [...(answers.get(scheduledAt) ?? []), yes]);
      return yes;
    };
    let clusterRuns = 0;
    let processRuns = 0;
    // Two schedulers stand for two processes: each fires at every second and asks the store.
    const schedulers = [0, 1].map(() =>
      startJobs(
        [
          { id: "sweep", pattern: "* * * * * *", scope: "cluster", run: async () => void clusterRuns++ },
          { id: "wake", pattern: "* * * * * *", scope: "process", run: async () => void processRuns++ },
        ],
        log,
        { claimRun },
      ),
    );
    try {
      const deadline = Date.now() + 10_000;
      while (processRuns < 6 && Date.now() < deadline) await Bun.sleep(50);
    } finally {
      for (const s of schedulers) await s.stop();
      await store.close();
      dir.cleanup();
    }
    // Each second fired both schedulers: the process job ran in each, the
    // cluster job once per scheduled time (whole seconds), whoever asked first.
    expect(processRuns).toBeGreaterThanOrEqual(6);
    expect(answers.size).toBeGreaterThanOrEqual(2);
    for (const [scheduledAt, said] of answers) {
      expect(scheduledAt % 1000).toBe(0);
      expect(said.filter(Boolean)).toHaveLength(1);
    }
    expect(clusterRuns).toBe(answers.size);
  },
  15_000,
);
