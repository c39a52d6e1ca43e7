/**
 * The pino root logger. JSON lines to stdout and no transports (transports
 * run in worker threads that a compiled executable cannot load). Components
 * take a child: `log.child({ component: "http" })`.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

// Keys whose values must never reach a log line, wherever they appear.
const REDACT = [
  "secret",
  "*.secret",
  "token",
  "*.token",
  "admin_token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
];

/** Creates the root logger at `level`, writing to `destination` (stdout by default). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "hookgate" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
