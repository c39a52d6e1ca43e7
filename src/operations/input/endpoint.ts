/**
 * What the endpoint operations take, as zod schemas: the API validates its
 * JSON bodies and the console its forms with these very objects, so both
 * refuse exactly the same input with the same words, and the OpenAPI
 * document describes them. Built from the config, because what is valid
 * depends on it: https only, private addresses, the event catalog.
 */
import { z } from "zod";
import { EVENT_TYPE_NAME, secretSchema, type Config } from "../../config/schema.ts";
import { blockReasonForHost } from "../../domain/address.ts";
import { EVENT_TYPE_PATTERN, matchesEventType } from "../../domain/event-types.ts";
import { isHeaderName, isHeaderValue, RESERVED_HEADERS } from "../../domain/headers.ts";
import { timeSchema } from "./time.ts";

export const TENANT_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const tenantSchema = z.string().regex(TENANT_PATTERN, {
  error: "expected 1 to 128 letters, digits or . _ : -",
});

const MAX_JSON_BYTES = 16 * 1024;

// A header value is bytes on the wire: fetch refuses characters above U+00FF,
// so such a value would make every delivery to the endpoint fail.
const LATIN1 = /^[\u0000-\u00ff]*$/;

/** Endpoint create/patch schemas for this configuration. */
export function endpointSchemas(config: Config) {
  const catalog = config.event_types.map((t) => t.name);
  const signatureHeader = config.signing.header.toLowerCase();

  const url = webhookUrlSchema(config);

  const eventTypes = z
    .array(
      z.string({ error: "expected a string" }).superRefine((p, ctx) => {
        // The message names the entry: a form shows it without the path, and a list may hold several.
        if (!EVENT_TYPE_PATTERN.test(p)) {
          ctx.addIssue({ code: "custom", message: `${quoted(p)}: expected an event type, "prefix.*" or "*"` });
        } else if (catalog.length > 0 && !catalog.some((name) => matchesEventType(p, name))) {
          ctx.addIssue({ code: "custom", message: `${quoted(p)} matches no event type in the catalog (${catalog.join(", ")})` });
        }
      }),
      { error: "expected an array of event types" },
    )
    .min(1, { error: "expected at least one event type (use [\"*\"] for all)" })
    .max(100, { error: "expected at most 100 event types" })
    .transform((list) => [...new Set(list)]);

  const headers = z
    .record(z.string(), z.string({ error: "expected a string value" }), { error: "expected an object of header names to values" })
    .superRefine((h, ctx) => {
      const names = Object.keys(h);
      if (names.length > 32) ctx.addIssue({ code: "custom", message: "expected at most 32 headers" });
      for (const name of names) {
        const lower = name.toLowerCase();
        if (!isHeaderName(name)) ctx.addIssue({ code: "custom", path: [name], message: "not a valid header name" });
        else if (RESERVED_HEADERS.has(lower) || lower === signatureHeader)
          ctx.addIssue({ code: "custom", path: [name], message: "is set by hookgate and cannot be overridden" });
        else if (!isHeaderValue(h[name]!)) ctx.addIssue({ code: "custom", path: [name], message: "value has control characters or is too long" });
        else if (!LATIN1.test(h[name]!)) ctx.addIssue({ code: "custom", path: [name], message: "value has characters beyond U+00FF, which HTTP header bytes cannot carry" });
      }
    });

  const metadata = z
    .record(z.string(), z.unknown(), { error: "expected a JSON object" })
    .refine((m) => JSON.stringify(m).length <= MAX_JSON_BYTES, { error: `expected at most ${MAX_JSON_BYTES} bytes of JSON` });

  const description = z.string({ error: "expected a string" }).max(1024, { error: "expected at most 1024 characters" });

  const create = z.strictObject({
    url,
    tenant: tenantSchema.default("default"),
    description: description.default(""),
    event_types: eventTypes.default(["*"]),
    headers: headers.default({}),
    metadata: metadata.default({}),
    secret: secretSchema.optional(),
  });

  const patch = z.strictObject({
    url: url.optional(),
    description: description.optional(),
    event_types: eventTypes.optional(),
    headers: headers.optional(),
    metadata: metadata.optional(),
  });

  const rotate = z.strictObject({ secret: secretSchema.optional() });

  const test = z.strictObject({
    event_type: z
      .string()
      .refine((t) => catalog.length === 0 || catalog.includes(t), { error: `expected one of the catalog's event types (${catalog.join(", ")})` })
      .refine((t) => EVENT_TYPE_NAME.test(t), { error: 'expected lower-case words separated by dots, such as "message.delivered"' })
      .optional(),
  });

  const recover = z.strictObject({ since: timeSchema });

  return { create, patch, rotate, test, recover };
}

export type EndpointSchemas = ReturnType<typeof endpointSchemas>;

/** A validated endpoint create request. */
export type EndpointCreate = z.output<EndpointSchemas["create"]>;
/** A validated endpoint change: only the fields given. */
export type EndpointPatch = z.output<EndpointSchemas["patch"]>;

/** A destination URL (endpoint or callback_url) as `urlProblem` allows it, normalised. */
export function webhookUrlSchema(config: Config) {
  return z
    .string({ error: "expected a URL string" })
    .max(2048, { error: "expected at most 2048 characters" })
    .superRefine((text, ctx) => {
      const problem = urlProblem(text, config);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .transform((text) => new URL(text).href);
}

/** Why `text` cannot be an endpoint URL under `config`, or null when it can. */
export function urlProblem(text: string, config: Config): string | null {
  if (!URL.canParse(text)) return "expected an absolute http or https URL";
  const u = new URL(text);
  if (u.protocol !== "https:" && u.protocol !== "http:") return "expected an http or https URL";
  if (u.protocol === "http:" && config.delivery.require_https) {
    return "must be an https URL (set delivery.require_https = false to allow http)";
  }
  if (u.username !== "" || u.password !== "") return "must not contain credentials; put them in headers instead";
  if (u.hash !== "") return "must not contain a #fragment";
  if (!config.delivery.allow_private_networks) {
    const reason = blockReasonForHost(u.hostname);
    if (reason) {
      return `host ${u.hostname} is a ${reason.replace(/_/g, " ")} address (set delivery.allow_private_networks = true to allow it)`;
    }
  }
  return null;
}

/** A user's entry in an error message: JSON-quoted (so control characters show), cut at 64 characters. */
function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
