/**
 * Secrets hookgate makes for itself when the config leaves them empty: the
 * admin token and the callbacks signing secret. Each is written once into the
 * data dir (0600) and read back on later starts, so restarts keep them.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isValidSecret } from "./config/schema.ts";
import { generateAdminToken, generateSecret } from "./domain/secret.ts";
import { StartupError } from "./startup-error.ts";

export const ADMIN_TOKEN_FILE = "admin.token";
export const CALLBACKS_SECRET_FILE = "callbacks.secret";

type RandomBytes = (n: number) => Uint8Array;

export interface ResolvedSecret {
  value: string;
  /** The file it came from or was written to; null when configured. */
  file: string | null;
  generated: boolean;
}

/** The configured admin token, or the one in <data_dir>/admin.token, created if missing. */
export function resolveAdminToken(configured: string, dataDir: string, randomBytes: RandomBytes): ResolvedSecret {
  if (configured !== "") return { value: configured, file: null, generated: false };
  return readOrCreate(join(dataDir, ADMIN_TOKEN_FILE), () => generateAdminToken(randomBytes), (t) => t.length >= 32);
}

/** The configured callbacks secret, or the one in <data_dir>/callbacks.secret, created if missing. */
export function resolveCallbacksSecret(configured: string, dataDir: string, randomBytes: RandomBytes): ResolvedSecret {
  if (configured !== "") return { value: configured, file: null, generated: false };
  return readOrCreate(join(dataDir, CALLBACKS_SECRET_FILE), () => generateSecret(randomBytes), isValidSecret);
}

/** The value in `file` (refused unless `valid`), or a new one from `make` written there once, 0600. */
export function readOrCreate(file: string, make: () => string, valid: (s: string) => boolean): ResolvedSecret {
  if (existsSync(file)) {
    const value = readFileSync(file, "utf8").trim();
    if (!valid(value)) throw new StartupError(`${file} does not hold a valid value; delete it to have a new one generated`);
    return { value, file, generated: false };
  }
  const value = make();
  // "wx": never overwrite a file that appeared meanwhile; mode applies before any byte is written.
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return { value, file, generated: true };
}
