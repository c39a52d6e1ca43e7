/** A fresh temporary directory per test, removed again by cleanup(). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  /** Absolute path of the directory. */
  path: string;
  /** A path inside the directory. */
  join(...parts: string[]): string;
  /** Removes the directory and everything in it; safe to call twice. */
  cleanup(): void;
}

/** Creates a new empty directory under the OS temp dir. */
export function createTempDir(prefix = "hookgate-test-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    join: (...parts) => join(path, ...parts),
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}
