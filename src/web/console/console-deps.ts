/** What the console is given by the wiring, and what its pages are given. */
import type { Clock } from "../../clock.ts";
import type { Config } from "../../config/schema.ts";
import type { Operations } from "../../operations/operations.ts";

export interface ConsoleOptions {
  /** A session ends after this long without a request. */
  idleMs?: number;
  /** How long a wrong token waits before its answer. */
  failedLoginDelayMs?: number;
  /** Wrong tokens allowed per minute, for the whole process. */
  maxFailedLoginsPerMinute?: number;
}

/** What the console is given by the wiring. */
export interface ConsoleDeps {
  config: Config;
  ops: Operations;
  clock: Clock;
  randomBytes: (n: number) => Uint8Array;
  /** What the login form takes; a session opened with it is the admin's. */
  adminToken: string;
  options?: ConsoleOptions;
}

/** What the console's pages are given. */
export type PageDeps = Pick<ConsoleDeps, "config" | "ops" | "clock">;
