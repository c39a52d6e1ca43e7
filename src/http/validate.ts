/**
 * Edge validation: reading JSON bodies and query strings, then the shared
 * schemas (src/operations/input/). Unreadable JSON is the API's own 400;
 * everything else that is refused is an Invalid, a 422 through onError.
 */
import type { Context } from "hono";
import { z } from "zod";
import { Invalid, type InvalidDetail } from "../domain/errors.ts";
import { parseInput, singleValuedQuery } from "../operations/input/parse.ts";
import { invalidJson } from "./errors.ts";

/**
 * How deeply a request body may nest objects and arrays. Bodies nested far
 * deeper parse fine but overflow the stack of whatever recurses over them
 * next (JSON.stringify when the payload is rendered, a reviver), which was a
 * 500; and receivers commonly stop at 128 levels (serde_json, for one), so a
 * payload deeper than this could not be consumed anyway.
 */
export const MAX_JSON_DEPTH = 128;

/** Parses the request body as JSON; an empty or malformed body is a 400. */
export async function readJson(c: Context): Promise<unknown> {
  const value = await readOptionalJson(c);
  if (value === undefined) throw invalidJson("request body is empty; expected a JSON object");
  return value;
}

/**
 * Like readJson, but an empty body is undefined instead of an error. JSON
 * that parses but would not survive the trip through hookgate intact is a
 * 422: nesting deeper than MAX_JSON_DEPTH, a "__proto__" key, a lone UTF-16
 * surrogate (stored as U+FFFD, refused by strict receivers) or a number too
 * large for a double (JSON.parse makes it Infinity, which is rendered as null).
 */
export async function readOptionalJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  // Before parsing, so nothing deeper than the limit is ever recursed over.
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    throw new Invalid([{ path: "", message: `nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays` }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw invalidJson(`request body is not valid JSON: ${err.message}`);
  }
  const problem = unsafeValue(value);
  if (problem) throw new Invalid([problem]);
  return value;
}

/**
 * Reads the body of a call that takes none (enable, disable, delete, retry):
 * empty or `{}`. Anything else is refused, so a body meant for another call
 * never looks accepted while it did nothing.
 */
export async function noBody(c: Context): Promise<void> {
  const value = await readOptionalJson(c);
  if (value !== undefined) parseInput(emptyBodySchema, value);
}

/** The only body a call that takes none accepts (when it has a body at all). */
export const emptyBodySchema = z.strictObject({}, { error: "expected no body, or an empty JSON object" });

/** Reads an optional JSON body and validates it with `schema`; an empty body counts as `{}`, a JSON null does not. */
export async function optionalJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const value = await readOptionalJson(c);
  return parseInput(schema, value === undefined ? {} : value);
}

/** Reads and validates a JSON body in one step. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return parseInput(schema, await readJson(c));
}

/** Validates the query string with `schema`, one value per named parameter (see singleValuedQuery). */
export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseInput(schema, singleValuedQuery(c.req.url));
}

/**
 * True when `text` opens more than `limit` objects or arrays inside each
 * other. Brackets inside strings do not count; the text need not be valid
 * JSON (JSON.parse judges that afterwards).
 */
function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: the next character is escaped, even a quote
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > limit) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * The first thing in a parsed body that hookgate would not keep as sent, as
 * a detail, or null. Iterative (an explicit stack), so its cost is the size
 * of the body and never the depth of the call stack.
 */
function unsafeValue(root: unknown): InvalidDetail | null {
  const stack: [unknown, string][] = [[root, ""]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === "string") {
      if (!value.isWellFormed()) return { path, message: "has a lone UTF-16 surrogate escape; expected well-formed Unicode text" };
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) return { path, message: "number is too large to represent" };
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push([value[i], `${path}[${i}]`]);
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path === "" ? key : `${path}.${key}`;
        // JSON.parse makes "__proto__" an own key; the objects built from the
        // body later would drop it or turn it into a prototype instead.
        if (key === "__proto__") return { path: "", message: 'a key named "__proto__" is not allowed' };
        if (!key.isWellFormed()) return { path: childPath, message: "key has a lone UTF-16 surrogate escape; expected well-formed Unicode text" };
        stack.push([child, childPath]);
      }
    }
  }
  return null;
}
