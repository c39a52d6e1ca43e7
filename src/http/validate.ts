/** Edge validation: JSON bodies and query strings through zod, failures as 400/422. */
import type { Context } from "hono";
import type { z } from "zod";
import { invalidJson, validationFailed, type ErrorDetail } from "./errors.ts";

/** Parses the request body as JSON; an empty or malformed body is a 400. */
export async function readJson(c: Context): Promise<unknown> {
  const value = await readOptionalJson(c);
  if (value === undefined) throw invalidJson("request body is empty; expected a JSON object");
  return value;
}

/** Like readJson, but an empty body is undefined instead of an error. */
export async function readOptionalJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    // Only a body that could spell "__proto__" (directly or through a \u
    // escape) pays for the reviver that refuses it.
    value = text.includes("__proto__") || text.includes("\\u") ? JSON.parse(text, refuseProtoKey) : JSON.parse(text);
  } catch (err) {
    if (err === PROTO_KEY) throw validationFailed([{ path: "", message: 'a key named "__proto__" is not allowed' }]);
    throw invalidJson(`request body is not valid JSON: ${(err as Error).message}`);
  }
  return value;
}

// A "__proto__" key would be dropped or turned into a prototype by the
// objects built from the body; refusing it is clearer than losing it.
const PROTO_KEY = Symbol("proto key");
function refuseProtoKey(key: string, value: unknown): unknown {
  if (key === "__proto__") throw PROTO_KEY;
  return value;
}

/** Validates `value` with `schema`; every problem becomes a detail of one 422. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationFailed(result.error.issues.flatMap(toDetails));
}

/** Reads and validates a JSON body in one step. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return parseWith(schema, await readJson(c));
}

/** Validates the query string (single values only) with `schema`. */
export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query());
}

function toDetails(issue: z.core.$ZodIssue): ErrorDetail[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({ path: joinPath([...issue.path, k]), message: "unknown field" }));
  }
  return [{ path: joinPath(issue.path), message: issue.message }];
}

function joinPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}
