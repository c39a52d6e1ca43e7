/**
 * Cursor pagination, newest first. The cursor is the last id of the page,
 * base64url-encoded so clients treat it as opaque.
 */
import { z } from "zod";
import { isId, type IdPrefix } from "../domain/ids.ts";

/** `?limit=` (1–1000, default 50) and `?cursor=` for a list of ids with `prefix`. */
export function pageQuery(prefix: IdPrefix) {
  return {
    limit: z
      .string()
      .regex(/^\d{1,4}$/, { error: "expected an integer from 1 to 1000" })
      .transform(Number)
      .refine((n) => n >= 1 && n <= 1000, { error: "expected an integer from 1 to 1000" })
      .optional()
      .transform((n) => n ?? 50)
      .meta({ description: "page size, an integer from 1 to 1000; default 50" }),
    cursor: z
      .string()
      .transform((c, ctx) => {
        const id = Buffer.from(c, "base64url").toString("utf8");
        if (!isId(prefix, id) || Buffer.from(id).toString("base64url") !== c) {
          ctx.addIssue({ code: "custom", message: "expected a next_cursor value from a previous page" });
          return "";
        }
        return id;
      })
      .optional()
      .meta({ description: "the next_cursor of the previous page" }),
  };
}

/** Asks for one extra row, to know whether a next page exists. */
export function fetchSize(limit: number): number {
  return limit + 1;
}

/** Cuts the extra row and builds `{ data, next_cursor }`. */
export function page<T extends { id: string }, V>(rows: T[], limit: number, view: (row: T) => V): { data: V[]; next_cursor: string | null } {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown.at(-1);
  return {
    data: shown.map(view),
    next_cursor: more && last ? Buffer.from(last.id).toString("base64url") : null,
  };
}
