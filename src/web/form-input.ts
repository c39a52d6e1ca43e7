/**
 * Turning HTML form posts into the operations' input shapes, so a web face
 * validates with the very schemas (src/operations/input/) the JSON API
 * uses, and turning their problems back into messages beside the form's
 * fields.
 */
import type { Context } from "hono";
import type { z } from "zod";

/** Field name → messages; "" holds problems that belong to no one field. */
export type FieldErrors = Record<string, string[]>;

/** The posted form, repeated names (checkboxes) as arrays of strings; files are ignored. */
export async function readForm(c: Context): Promise<Record<string, string | string[]>> {
  const raw = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "string") out[name] = value;
    else if (Array.isArray(value)) out[name] = value.filter((v): v is string => typeof v === "string");
  }
  return out;
}

/** One value of a form field ("" when absent); the first when repeated. */
export function field(form: Record<string, string | string[]>, name: string): string {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** Every value of a repeated field (checkboxes). */
export function fields(form: Record<string, string | string[]>, name: string): string[] {
  const v = form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** Validates with `schema`: the data, or the problems by top-level field. */
export function check<S extends z.ZodType>(schema: S, value: unknown): { ok: true; data: z.output<S> } | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const name = issue.path.length > 0 ? String(issue.path[0]) : "";
    (errors[name] ??= []).push(issue.message);
  }
  return { ok: false, errors };
}

/**
 * A datetime-local value ("2026-01-15T10:30", read as UTC, as every time in
 * the console is) as the RFC 3339 text the API takes; other text unchanged,
 * so the schema reports it.
 */
export function localInputToRfc3339(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value)) return `${value}Z`;
  return value;
}
