/**
 * Every process and temp dir the bench makes, tracked so that none outlives
 * it: on a normal end, on an error, on Ctrl-C or SIGTERM, each child is
 * killed by its own pid and the run's temp dirs are removed.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const live = new Set<Subprocess>();
const dirs = new Set<string>();

/** Spawns a tracked child; it leaves the set when it exits. */
export function spawnTracked<Out extends "pipe" | "ignore" | "inherit" | number = "pipe">(
  cmd: string[],
  options: { cwd?: string; env?: Record<string, string>; stdout?: Out; stderr?: "pipe" | "ignore" | "inherit" | number } = {},
): Subprocess<"ignore", Out, any> {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: options.env ?? (process.env as Record<string, string>),
    stdin: "ignore",
    stdout: options.stdout ?? "pipe",
    stderr: options.stderr ?? "inherit",
  }) as Subprocess<"ignore", Out, any>;
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

/** A fresh temp dir, removed at exit unless `keep` was asked for. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

let keepDirs = false;
/** Leave temp dirs (data dirs, daemon logs) in place for a look after the run. */
export function keepTempDirs(): void {
  keepDirs = true;
}

/** SIGKILLs every child still running and waits for them; removes the temp dirs. */
export async function cleanup(): Promise<void> {
  const procs = [...live];
  for (const proc of procs) proc.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  if (!keepDirs) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/** Children and dirs are cleaned up whatever way the bench ends. */
export function installCleanupHandlers(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // The last resort when the process exits any other way: synchronous, so only kill.
  process.once("exit", () => {
    for (const proc of live) proc.kill("SIGKILL");
    if (!keepDirs) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}
