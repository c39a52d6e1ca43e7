/**
 * The one-shot commands piped into a reader that stops early, the way people
 * use them (`hookgate check-config | head -1`): a closed stdout ends the
 * command quietly with 0, never with Bun's EPIPE stack trace and exit 1.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cleanupDaemons, hookgateCommand, runHookgate, writeConfigFile } from "../helpers/daemon.ts";

afterAll(cleanupDaemons);

const T = 60_000;

/**
 * Runs hookgate with its stdout piped into `reader` (a shell command) and
 * answers hookgate's own exit code, as bash's PIPESTATUS saw it, and stderr.
 */
async function pipedInto(reader: string, args: string[]): Promise<{ exitCode: number; stderr: string }> {
  const script = `"$@" | ${reader}; echo "hookgate exit code: \${PIPESTATUS[0]}"`;
  const run = await runHookgate(args, { bin: ["bash", "-c", script, "bash", ...hookgateCommand()] });
  expect(run.exitCode).toBe(0);
  const match = /hookgate exit code: (\d+)/.exec(run.stdout);
  if (!match) throw new Error(`no exit code in ${JSON.stringify(run.stdout)}; stderr: ${run.stderr}`);
  return { exitCode: Number(match[1]), stderr: run.stderr };
}

/** A catalog large enough that check-config's output is several times a pipe's 64 KiB buffer. */
function largeCatalog(): string {
  const entries: string[] = [];
  for (let i = 0; i < 1000; i++) entries.push(`[[event_types]]\nname = "bulk.type_${i}"\ndescription = "${"d".repeat(300)}"\n`);
  return entries.join("\n");
}

describe("a closed stdout", () => {
  test.each([
    ["check-config", ["check-config"]],
    ["version", ["version"]],
    ["help", ["--help"]],
  ])("ends %s with 0 and no trace when the reader has already gone (| true)", async (_name, args) => {
    // `true` exits at once, so the read end is closed long before hookgate has started and writes.
    const { exitCode, stderr } = await pipedInto("true", args);
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
  }, T);

  test("ends check-config with 0 and no trace when the reader stops after its first line (| head -1) of a long output", async () => {
    const file = writeConfigFile(largeCatalog());
    const full = await runHookgate(["check-config", "--config", file]);
    expect(full.exitCode).toBe(0);
    expect(full.stdout.length).toBeGreaterThan(4 * 65_536);

    const { exitCode, stderr } = await pipedInto("head -1 > /dev/null", ["check-config", "--config", file]);
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
  }, T);

  test("still reports an invalid config with exit 1 on stderr", async () => {
    const file = writeConfigFile('[delivery]\ntimeout = "soon"\n');
    const { exitCode, stderr } = await pipedInto("head -1 > /dev/null", ["check-config", "--config", file]);
    expect(exitCode).toBe(1);
    expect(stderr).toContain("delivery.timeout");
  }, T);
});
