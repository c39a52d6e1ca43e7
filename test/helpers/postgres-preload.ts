/**
 * Preloaded by bunfig.toml for every `bun test`: after the last test file,
 * stops the PostgreSQL server that test/helpers/postgres.ts started, if any
 * did. Imports nothing of it, so a run without PostgreSQL tests pays nothing.
 */
import { afterAll } from "bun:test";

const SHUTDOWN = Symbol.for("hookgate.test.postgres.shutdown");

afterAll(async () => {
  await (globalThis as { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN]?.();
});
