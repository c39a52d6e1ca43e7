/**
 * Validating input with the shared schemas, for every face: a failure is
 * one Invalid listing every problem, so the API's 422 details and the
 * console's messages come from the same zod issues.
 */
import type { z } from "zod";
import { Invalid, type InvalidDetail } from "../../domain/errors.ts";

/** Validates `value` with `schema`; every problem becomes a detail of one Invalid. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Invalid(result.error.issues.flatMap(issueDetails));
}

/**
 * The query string of `url` as one value per name. A repeated parameter is
 * refused, or `?limit=5&limit=oops` would silently use whichever copy the
 * parser kept, and so is a nameless one (`?=x`), which would otherwise be
 * dropped without a word.
 */
export function singleValuedQuery(url: string): Record<string, string> {
  const values = new Map<string, string>();
  const problems: InvalidDetail[] = [];
  for (const [name, value] of new URL(url).searchParams) {
    if (name === "") problems.push({ path: "", message: `a query parameter has no name (its value: ${JSON.stringify(value.slice(0, 64))})` });
    else if (values.has(name)) {
      if (!problems.some((p) => p.path === name)) problems.push({ path: name, message: "given more than once; expected one value" });
    }
    else values.set(name, value);
  }
  if (problems.length > 0) throw new Invalid(problems);
  // fromEntries defines own properties, so even "__proto__" stays a plain (unknown) key.
  return Object.fromEntries(values);
}

function issueDetails(issue: z.core.$ZodIssue): InvalidDetail[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => ({ path: joinPath([...issue.path, k]), message: "unknown field" }));
  }
  return [{ path: joinPath(issue.path), message: issue.message }];
}

function joinPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}
