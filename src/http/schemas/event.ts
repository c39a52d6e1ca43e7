/** Request schemas for ingest, built from the config (catalog, URL rules, limits). */
import { z } from "zod";
import type { Config } from "../../config/schema.ts";
import { EVENT_TYPE_NAME } from "../../config/schema.ts";
import { tenantSchema, webhookUrlSchema } from "./endpoint.ts";

/** Most events one batch call takes. */
export const MAX_BATCH = 1000;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time string, as epoch milliseconds. */
export const timeSchema = z
  .string({ error: 'expected an RFC 3339 time, such as "2024-01-15T10:30:00Z"' })
  .refine((t) => RFC3339.test(t) && !Number.isNaN(Date.parse(t)), { error: 'expected an RFC 3339 time, such as "2024-01-15T10:30:00Z"' })
  .transform((t) => Date.parse(t));

/** Idempotency keys: what callers typically send (UUIDs, hashes, composite ids). */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, { error: "expected 1 to 255 printable characters without spaces" });

export function eventSchemas(config: Config) {
  const catalog = new Set(config.event_types.map((t) => t.name));
  const type = z
    .string({ error: "expected an event type string" })
    .regex(EVENT_TYPE_NAME, { error: 'expected lower-case words separated by dots, such as "message.delivered"' })
    .refine((t) => catalog.size === 0 || catalog.has(t), {
      error: `expected one of the catalog's event types (${[...catalog].join(", ")})`,
    });
  const callbackUrl = webhookUrlSchema(config);

  const fields = {
    type,
    tenant: tenantSchema.default("default"),
    data: z.record(z.string(), z.unknown(), { error: "expected a JSON object" }),
    timestamp: timeSchema.optional(),
    callback_url: callbackUrl.optional(),
  };
  const event = z.strictObject(fields);
  const batch = z.strictObject({
    events: z
      .array(z.strictObject({ ...fields, idempotency_key: idempotencyKeySchema.optional() }), { error: "expected an array of events" })
      .min(1, { error: "expected at least one event" })
      .max(MAX_BATCH, { error: `expected at most ${MAX_BATCH} events` }),
  });
  return { event, batch };
}
