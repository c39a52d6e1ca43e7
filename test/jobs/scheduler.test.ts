import { expect, test } from "bun:test";
import { Writable } from "node:stream";
import { startJobs } from "../../src/jobs/scheduler.ts";
import { createLogger } from "../../src/log.ts";

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
          run: async () => {
            runs++;
            throw new Error("boom");
          },
        },
      ],
      log,
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
          run: async () => {
            started = true;
            await new Promise<void>((r) => (release = r));
            finished = true;
          },
        },
      ],
      log,
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
