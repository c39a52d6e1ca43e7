/** Request schemas for ingest, built from the config (catalog, URL rules, limits). */
import { z } from "zod";
import type { Config } from "../../config/schema.ts";
import { EVENT_TYPE_NAME } from "../../config/schema.ts";
import { tenantSchema, webhookUrlSchema } from "../../operations/input/endpoint.ts";
import { timeSchema } from "../../operations/input/time.ts";

/** Most events one batch call takes. */
export const MAX_BATCH = 1000;

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
    timestamp: timeSchema.optional().meta({ description: "when the event happened, RFC 3339; default: now. The payload carries it in whole seconds" }),
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

export type EventSchemas = ReturnType<typeof eventSchemas>;
