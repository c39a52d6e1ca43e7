/**
 * The pino root logger. JSON lines to stdout and no transports (transports
 * run in worker threads that a compiled executable cannot load). Components
 * take a child: `log.child({ component: "http" })`.
 *
 * Secrets never reach a line, in two layers. Keys that name a secret
 * (secret, token, authorization, signature …) are censored at any depth and
 * in any case, in logged objects and child bindings alike; pino's own
 * `redact` only knows fixed paths, so `config.server.admin_token` or an
 * `Authorization` header spelt with a capital slipped past it. Then every
 * finished line is scrubbed of values shaped like hookgate's secrets
 * (whsec_…, hgat_…, a Standard Webhooks signature, Bearer and Basic
 * credentials), which also catches them inside messages and error stacks.
 */
import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

/** What a censored value is replaced with. */
export const REDACTED = "[redacted]";

// A key naming a secret: the whole key or its last word (admin_token, x-sakura-signature).
const SECRET_KEY = /(?:^|[^a-z0-9])(?:secrets?|tokens?|authorization|signatures?|passwords?|passwd|api[-_]?keys?|cookies?|credentials?)$/i;

// Values that are secrets whatever key holds them, as they appear inside a JSON line.
const SECRET_VALUES: [RegExp, string][] = [
  [/whsec_[A-Za-z0-9+/]{8,}={0,2}/g, REDACTED], // endpoint and callbacks secrets
  [/hgat_[A-Za-z0-9_-]{8,}/g, REDACTED], // generated admin tokens
  [/v1,[A-Za-z0-9+/]{40,}={0,2}/g, REDACTED], // Standard Webhooks signatures
  [/\b(Bearer|Basic)\s+(?:[^\s"\\]|\\.)+/gi, `$1 ${REDACTED}`], // credentials in a header value, whatever the token looks like
];

/** Objects nested deeper than this are cut: no log line of ours is, and a cut line cannot leak. */
const MAX_DEPTH = 16;

/** Creates the root logger at `level`, writing to `destination` (stdout by default). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "hookgate" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => censorKeys(bindings, [], 0) as Record<string, unknown>,
        log: (object) => censorKeys(object, [], 0) as Record<string, unknown>,
      },
      hooks: { streamWrite: scrubSecretValues },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** `line` with every value shaped like a secret replaced; exported for the tests of its patterns. */
export function scrubSecretValues(line: string): string {
  let out = line;
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of `value` with the value of every secret-naming key censored.
 * Plain objects and arrays are copied; errors are left whole for pino's
 * serializer (their text is scrubbed by value); a cycle is cut where it
 * closes. `ancestors` holds the objects on the current path only, so an
 * object reached twice by different paths is still shown twice.
 */
function censorKeys(value: unknown, ancestors: object[], depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  const isArray = Array.isArray(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!isArray && proto !== Object.prototype && proto !== null) return value; // errors, dates, buffers, class instances
  if (ancestors.includes(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  ancestors.push(value);
  try {
    if (isArray) return (value as unknown[]).map((v) => censorKeys(v, ancestors, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? REDACTED : censorKeys(v, ancestors, depth + 1);
    return out;
  } finally {
    ancestors.pop();
  }
}

/** How long an exit waits for buffered log lines before it goes anyway. */
const FLUSH_GRACE_MS = 2000;

/**
 * Flushes the log, then exits with `code`. A destination that cannot take
 * the lines (its reader gone or stalled) must not keep a stopping daemon
 * alive, so the exit happens after FLUSH_GRACE_MS whatever the flush does.
 */
export function flushThenExit(log: Logger, code: number, exit: (code: number) => void = process.exit): void {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    exit(code);
  };
  setTimeout(go, FLUSH_GRACE_MS).unref();
  log.flush(go);
}
