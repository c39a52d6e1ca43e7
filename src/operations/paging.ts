/**
 * Cursor pagination, newest first, the same for every face. The cursor is
 * the last id of the page, base64url-encoded so clients treat it as opaque;
 * the input schema decodes it and `pageOf` encodes the next one, so the two
 * directions live side by side.
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
      // Sent as text in the query, but an integer to a client generator: the document says so.
      .meta({ description: "page size, an integer from 1 to 1000; default 50", type: "integer", minimum: 1, maximum: 1000, default: 50 }),
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

/** What a list asks for: how many, and after which id (decoded from the cursor). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/** One page of a list, newest first; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Asks the store for one extra row, to know whether a next page exists. */
export function fetchSize(limit: number): number {
  return limit + 1;
}

/** Cuts the extra row off `rows` (fetched with fetchSize) and encodes the next cursor. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items, nextCursor: more && last ? Buffer.from(last.id).toString("base64url") : null };
}
