/** Runs a config load that must fail and answers its problem lines. */
import { expect } from "bun:test";
import { ConfigError } from "../../src/config/load.ts";

/** The `problems` of the ConfigError thrown by `run`; fails the test when it does not throw one. */
export function configProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect((err as ConfigError).message).toBe(problems.join("\n"));
    for (const line of problems) expect(line).not.toContain("\n");
    return problems;
  }
  throw new Error("expected a ConfigError, but the configuration loaded");
}
