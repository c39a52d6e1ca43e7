/**
 * Turns a table of route descriptions into an OpenAPI 3.1 document. The
 * schemas in the table are the zod objects the routes validate with (and
 * the response schemas the tests hold real answers to); zod's own
 * toJSONSchema converts them, so the document cannot say one thing while
 * the route checks another.
 *
 * Request schemas are converted as their input (what a client sends:
 * defaulted fields optional, before transforms). OpenAPI 3.1 schemas are
 * JSON Schema 2020-12, zod's default target.
 */
import { z } from "zod";

export type Method = "get" | "post" | "patch" | "delete";
export type SuccessStatus = 200 | 201 | 202 | 204;
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 422 | 500 | 503;
type JsonSchema = Record<string, unknown>;

/** One route of the API, as the document shows it. */
export interface RouteDoc {
  method: Method;
  /** OpenAPI form: `/v1/endpoints/{id}`. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  /** Needs `Authorization: Bearer <admin token>`. */
  auth: boolean;
  /** A security requirement other than what `auth` implies (e.g. a token only some configs set). */
  security?: Record<string, string[]>[];
  /** Path parameters by name, with what they hold. */
  params?: Record<string, string>;
  /** The query schema the route parses with; each property is one parameter. */
  query?: z.ZodObject;
  headers?: { name: string; schema: z.ZodType; description: string }[];
  /** `required: false` when an empty body is taken as `{}`. */
  body?: { schema: z.ZodType; required: boolean; /** One valid body, shown to readers and generators. */ example?: unknown };
  responses: Partial<Record<SuccessStatus, { description: string; schema?: z.ZodType; content?: { type: string; schema: JsonSchema } }>>;
  /**
   * Error statuses beyond those that follow from the route's shape: 401
   * with auth, 404 with a path parameter, 400/413/422 with a body, 422
   * with a query, 500 always.
   */
  errors?: ErrorStatus[];
}

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
}

/** What each error status means; the code is the `error.code` of the body. */
export const ERROR_RESPONSES: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: "InvalidJson", description: "invalid_json: the body is not JSON" },
  401: { name: "Unauthorized", description: "unauthorized: missing or wrong bearer token" },
  404: { name: "NotFound", description: "not_found: no such resource" },
  409: { name: "Conflict", description: "conflict: the resource is not in a state that allows this" },
  413: { name: "PayloadTooLarge", description: "payload_too_large: the body is larger than server.max_body" },
  422: { name: "ValidationFailed", description: "validation_failed: every problem is listed in error.details" },
  500: { name: "InternalError", description: "internal_error: the log has the detail under the same X-Request-Id" },
  503: { name: "Unavailable", description: "unavailable: the database cannot commit right now; nothing was written, retry later" },
};

/**
 * Builds the document. `components` names every schema a route uses as a
 * body or response; they become `#/components/schemas/<name>` and are
 * referenced from the operations (and from each other).
 */
export function buildDocument(info: DocumentInfo, routes: RouteDoc[], components: Record<string, z.ZodType>, errorSchema: z.ZodType) {
  const names = new Map<z.ZodType, string>();
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries({ ...components, Error: errorSchema })) {
    if (names.has(schema)) throw new Error(`openapi: schema registered twice, as ${names.get(schema)} and ${name}`);
    names.set(schema, name);
    registry.add(schema, { id: name });
  }
  const converted = z.toJSONSchema(registry, { io: "input", uri: (id) => `#/components/schemas/${id}`, override: tidy }).schemas;
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(converted)) {
    // Each comes out as a standalone document; inside components they are plain schemas.
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    schemas[name] = rest;
  }
  const ref = (schema: z.ZodType, where: string) => {
    const name = names.get(schema);
    if (!name) throw new Error(`openapi: ${where} uses a schema missing from the components`);
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const where = `${route.method.toUpperCase()} ${route.path}`;
    (paths[route.path] ??= {})[route.method] = operation(route, (s) => ref(s, where));
  }

  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/" }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      responses: Object.fromEntries(
        Object.values(ERROR_RESPONSES).map(({ name, description }) => [
          name,
          { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        ]),
      ),
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", description: "server.admin_token, or the token generated into <data_dir>/admin.token" },
        metricsToken: { type: "http", scheme: "bearer", description: "server.metrics_token, for GET /metrics when it is set" },
      },
    },
  };
}

function operation(route: RouteDoc, ref: (schema: z.ZodType) => JsonSchema) {
  const parameters: JsonSchema[] = [];
  for (const [name, description] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: "path", required: true, description, schema: { type: "string" } });
  }
  if (route.query) {
    const query = z.toJSONSchema(route.query, { io: "input", override: tidy }) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, { description, ...schema }] of Object.entries(query.properties ?? {})) {
      parameters.push({ name, in: "query", required: query.required?.includes(name) ?? false, ...(description ? { description } : {}), schema });
    }
  }
  for (const header of route.headers ?? []) {
    const { $schema: _s, ...schema } = z.toJSONSchema(header.schema, { io: "input" }) as JsonSchema;
    parameters.push({ name: header.name, in: "header", required: false, description: header.description, schema });
  }

  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const content = r.schema ? { "application/json": { schema: ref(r.schema) } } : r.content ? { [r.content.type]: { schema: r.content.schema } } : undefined;
    responses[status] = { description: r.description, ...(content ? { content } : {}) };
  }
  const errors = new Set<ErrorStatus>(route.errors ?? []);
  if (route.auth) errors.add(401);
  if (route.params) errors.add(404);
  if (route.body) [400, 413, 422].forEach((s) => errors.add(s as ErrorStatus));
  if (route.query) errors.add(422);
  errors.add(500);
  for (const status of [...errors].sort((a, b) => a - b)) {
    responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` };
  }

  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.security ?? (route.auth ? [{ bearerAuth: [] }] : []),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.body.required,
            content: { "application/json": { schema: ref(route.body.schema), ...(route.body.example !== undefined ? { example: route.body.example } : {}) } },
          },
        }
      : {}),
    responses,
  };
}

/**
 * zod writes a long regular expression beside `format: "date-time"`; the
 * format says the same to any OpenAPI tool and keeps the document readable.
 * A query integer (written as text, typed integer by its meta) loses the
 * digits pattern the same way. The input side of a schema with a default
 * does not show it; generators want it, so it is added.
 */
function tidy({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  if (jsonSchema.format === "date-time" || jsonSchema.type === "integer") delete jsonSchema.pattern;
  const def = (zodSchema as { _zod?: { def?: { type?: string; defaultValue?: unknown } } })._zod?.def;
  if (def?.type === "default" && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue;
  // A default given as meta (a query parameter whose transform supplies it) is dropped on the input side too.
  const meta = z.globalRegistry.get(zodSchema as z.ZodType) as { default?: unknown } | undefined;
  if (meta?.default !== undefined && jsonSchema.default === undefined) jsonSchema.default = meta.default;
}
