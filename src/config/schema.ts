/**
 * The configuration: one zod schema holding every key, its default and what
 * it accepts. Durations and sizes are written as strings in TOML and come out
 * as milliseconds and bytes. Objects are strict, so a misspelt key is an error
 * instead of a silently ignored setting.
 */
import { z } from "zod";
import { parseDuration, parseSize } from "../domain/duration.ts";
import { isHeaderName, RESERVED_HEADERS } from "../domain/headers.ts";
import { isListenAddress } from "../domain/listen.ts";
import { isPostgresUrl } from "../domain/postgres-url.ts";

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** A duration string ("500ms", "15s", "1m", "24h", "1h30m") within bounds, as milliseconds. */
function duration(defaultText: string, min: number, max: number) {
  return durationValue(min, max).prefault(defaultText);
}

function durationValue(min: number, max: number) {
  const expected = `a duration from ${describeMs(min)} to ${describeMs(max)}, such as "500ms", "15s", "1m" or "24h"`;
  return z.string({ error: `expected ${expected}` }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null || ms < min || ms > max) {
      ctx.addIssue({ code: "custom", message: `expected ${expected}`, input: text });
      return z.NEVER;
    }
    return ms;
  });
}

/** A size string ("4KiB", "1MiB", "512") within bounds, as bytes. */
function size(defaultText: string, min: number, max: number) {
  const expected = `a size from ${min} bytes to ${max / 1024 / 1024}MiB, such as "512", "4KiB" or "1MiB"`;
  return z
    .string({ error: `expected ${expected}` })
    .transform((text, ctx) => {
      const bytes = parseSize(text);
      if (bytes === null || bytes < min || bytes > max) {
        ctx.addIssue({ code: "custom", message: `expected ${expected}`, input: text });
        return z.NEVER;
      }
      return bytes;
    })
    .prefault(defaultText);
}

function integer(defaultValue: number, min: number, max: number) {
  return z
    .number({ error: `expected an integer from ${min} to ${max}` })
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min, { error: `expected an integer from ${min} to ${max}` })
    .max(max, { error: `expected an integer from ${min} to ${max}` })
    .default(defaultValue);
}

function boolean(defaultValue: boolean) {
  return z.boolean({ error: "expected true or false" }).default(defaultValue);
}

/** An endpoint secret as shown to users: "whsec_" + base64 of 24 to 64 bytes. */
export const secretSchema = z.string().refine(isValidSecret, {
  error: 'expected "whsec_" followed by the base64 of 24 to 64 random bytes',
});

/** True for "whsec_" + standard base64 of 24–64 bytes. */
export function isValidSecret(secret: string): boolean {
  if (!SECRET_PATTERN.test(secret)) return false;
  const b64 = secret.slice("whsec_".length);
  if (b64.length % 4 !== 0) return false;
  const bytes = Buffer.from(b64, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

function describeMs(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const DAY = 86_400_000;

export const serverSchema = z.strictObject({
  listen: z
    .string({ error: 'expected "host:port", such as "127.0.0.1:8720" or "[::1]:8720"' })
    .refine(isListenAddress, { error: 'expected "host:port", such as "127.0.0.1:8720" or "[::1]:8720"' })
    .default("127.0.0.1:8720"),
  admin_token: z
    .string({ error: "expected a string" })
    .refine((t) => t === "" || (t.length >= 32 && /^[\x21-\x7e]+$/.test(t)), {
      error: "expected at least 32 printable characters without spaces, or empty to generate one",
    })
    .default(""),
  metrics_token: z
    .string({ error: "expected a string" })
    .refine((t) => t === "" || (t.length >= 32 && /^[\x21-\x7e]+$/.test(t)), {
      error: "expected at least 32 printable characters without spaces, or empty to leave /metrics open",
    })
    .default(""),
  max_body: size("1MiB", 1024, 64 * 1024 * 1024),
  shutdown_timeout: duration("10s", 0, 10 * 60_000),
}, { error: "expected a table, such as [server]" });

const POSTGRES_URL_EXPECTED = 'a postgres:// or postgresql:// URL naming a host, such as "postgres://user:password@host:5432/dbname"';

export const storageSchema = z.strictObject({
  driver: z.enum(["sqlite", "postgres"], { error: 'expected "sqlite" or "postgres"' }).default("sqlite"),
  // sqlite: the database; both drivers: this process's lock, node id and generated files.
  data_dir: z.string({ error: "expected a directory path" }).min(1, { error: "expected a directory path" }).default("./data"),
  url: z
    .string({ error: `expected ${POSTGRES_URL_EXPECTED}` })
    .refine((u) => u === "" || isPostgresUrl(u), { error: `expected ${POSTGRES_URL_EXPECTED}, or empty with driver "sqlite"` })
    .default(""),
  // Bounded so that a typo cannot open thousands of connections per process.
  pool_size: integer(16, 1, 1000),
}, { error: "expected a table, such as [storage]" });

export const deliverySchema = z.strictObject({
  timeout: duration("15s", 100, 10 * 60_000),
  retry_schedule: z
    .array(durationValue(0, 30 * DAY), { error: 'expected a list of durations, such as ["1m", "5m", "30m"]' })
    .max(50, { error: "expected at most 50 retries" })
    .prefault(["1m", "5m", "30m"]),
  retry_jitter: z
    .number({ error: "expected a number from 0 to 1" })
    .min(0, { error: "expected a number from 0 to 1" })
    .max(1, { error: "expected a number from 0 to 1" })
    .default(0.1),
  auto_disable_after: duration("24h", 0, 365 * DAY),
  require_https: boolean(true),
  allow_private_networks: boolean(false),
  concurrency: integer(256, 1, 65_536),
  max_in_flight_per_endpoint: integer(16, 1, 65_536),
  response_body_limit: size("4KiB", 0, 1024 * 1024),
}, { error: "expected a table, such as [delivery]" });

export const signingSchema = z.strictObject({
  header: z
    .string({ error: "expected an HTTP header name" })
    .refine(isHeaderName, { error: "expected an HTTP header name (letters, digits and -)" })
    .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), {
      error: `expected a header name other than ${[...RESERVED_HEADERS].join(", ")}`,
    })
    .default("X-Webhook-Signature"),
}, { error: "expected a table, such as [signing]" });

export const callbacksSchema = z.strictObject({
  secret: z.union([z.literal(""), secretSchema], {
    error: 'expected "whsec_" followed by the base64 of 24 to 64 random bytes, or empty to generate one',
  }).default(""),
}, { error: "expected a table, such as [callbacks]" });

export const retentionSchema = z.strictObject({
  keep: duration("30d", 60_000, 10 * 365 * DAY),
}, { error: "expected a table, such as [retention]" });

export const metricsSchema = z.strictObject({
  per_endpoint: boolean(false),
}, { error: "expected a table, such as [metrics]" });

export const logSchema = z.strictObject({
  level: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"], {
      error: 'expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent"',
    })
    .default("info"),
}, { error: "expected a table, such as [log]" });

export const EVENT_TYPE_NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

export const eventTypeSchema = z.strictObject({
  name: z.string({ error: "expected a string" }).regex(EVENT_TYPE_NAME, {
    error: 'expected lower-case words separated by dots, such as "message.delivered"',
  }),
  description: z.string({ error: "expected a string" }).default(""),
  example: z.record(z.string(), z.unknown(), { error: "expected a table (an example data object)" }).default({}),
}, { error: "expected a table ([[event_types]] entry)" });

/** Sections in file order; env overrides and check-config walk this. */
export const sectionSchemas = {
  server: serverSchema,
  storage: storageSchema,
  delivery: deliverySchema,
  signing: signingSchema,
  callbacks: callbacksSchema,
  retention: retentionSchema,
  metrics: metricsSchema,
  log: logSchema,
} as const;

export type SectionName = keyof typeof sectionSchemas;

export const configSchema = z
  .strictObject({
    server: serverSchema.prefault({}),
    storage: storageSchema.prefault({}),
    delivery: deliverySchema.prefault({}),
    signing: signingSchema.prefault({}),
    callbacks: callbacksSchema.prefault({}),
    retention: retentionSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
    log: logSchema.prefault({}),
    event_types: z.array(eventTypeSchema, { error: "expected an array of tables ([[event_types]])" }).default([]),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.event_types.forEach((t, i) => {
      if (seen.has(t.name)) {
        ctx.addIssue({ code: "custom", path: ["event_types", i, "name"], input: t.name, message: "expected a name not already in the catalog" });
      }
      seen.add(t.name);
    });
    // Each driver wants the url its own way. Only a valid driver is compared, as for concurrency below.
    if (config.storage.driver === "postgres" && config.storage.url === "") {
      ctx.addIssue({
        code: "custom",
        path: ["storage", "url"],
        // No input: the problem line shows the value only when one was written (`url = ""`).
        input: undefined,
        message: `required with storage.driver = "postgres": expected ${POSTGRES_URL_EXPECTED}`,
      });
    }
    // A url with the default driver is a forgotten driver line: each process would run on its own SQLite.
    // (An invalid url is reported once, by its own check.)
    if (config.storage.driver === "sqlite" && typeof config.storage.url === "string" && isPostgresUrl(config.storage.url)) {
      ctx.addIssue({
        code: "custom",
        path: ["storage", "url"],
        input: config.storage.url,
        message: 'expected empty with storage.driver = "sqlite"; set driver = "postgres" to use this database',
      });
    }
    // zod runs this even when concurrency failed its own bounds; compare only against a valid
    // one, so a bad concurrency is reported once, under its own key, not blamed on this one.
    const concurrencyValid = deliverySchema.shape.concurrency.safeParse(config.delivery.concurrency).success;
    if (concurrencyValid && config.delivery.max_in_flight_per_endpoint > config.delivery.concurrency) {
      ctx.addIssue({
        code: "custom",
        path: ["delivery", "max_in_flight_per_endpoint"],
        input: config.delivery.max_in_flight_per_endpoint,
        message: `expected at most delivery.concurrency (${config.delivery.concurrency})`,
      });
    }
  });

/**
 * What `serve` asks beyond a valid configuration. With driver "postgres"
 * every process must agree on the admin token and the callbacks secret, so
 * none may generate its own into its data dir: both must be configured.
 * (check-config asks the same, since it answers whether serve would start;
 * other commands, which serve nothing, use configSchema.)
 */
export const serveConfigSchema = configSchema.superRefine((config, ctx) => {
  if (config.storage.driver !== "postgres") return;
  const shared = [
    ["server", "admin_token", config.server.admin_token],
    ["callbacks", "secret", config.callbacks.secret],
  ] as const;
  for (const [section, key, value] of shared) {
    if (value !== "") continue;
    ctx.addIssue({
      code: "custom",
      path: [section, key],
      input: undefined,
      message:
        'required with storage.driver = "postgres", as every process must use the same one (none may generate its own): ' +
        `set it in the file or as HOOKGATE_${section.toUpperCase()}_${key.toUpperCase()}`,
    });
  }
});

/** The validated configuration; durations in milliseconds, sizes in bytes. */
export type Config = z.output<typeof configSchema>;
export type EventTypeDefinition = Config["event_types"][number];

/**
 * How each non-plain key is written, for env overrides (kept as raw strings)
 * and for check-config (rendered back into config syntax or masked). A "url"
 * may hold a password: it is shown with the password masked, never as written.
 */
export const KEY_FORMATS: Record<string, "duration" | "durations" | "size" | "secret" | "url"> = {
  "server.admin_token": "secret",
  "server.metrics_token": "secret",
  "server.max_body": "size",
  "server.shutdown_timeout": "duration",
  "storage.url": "url",
  "delivery.timeout": "duration",
  "delivery.retry_schedule": "durations",
  "delivery.auto_disable_after": "duration",
  "delivery.response_body_limit": "size",
  "callbacks.secret": "secret",
  "retention.keep": "duration",
};
