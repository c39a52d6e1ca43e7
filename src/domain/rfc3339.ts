/**
 * The one RFC 3339 formatter: epoch milliseconds (how hookgate keeps time
 * inside) into UTC text at the edge. Two precisions, named for where they
 * go: the payload subscribers receive carries whole seconds
 * ("2024-01-15T10:30:00Z", as the README promises); the API's views keep
 * milliseconds ("2024-01-15T10:30:00.250Z"), so attempts within one second
 * stay apart and a time read from a view can be sent back (recover's
 * `since`) unchanged.
 */

export type TimePrecision = "seconds" | "milliseconds";

/** The first and last instants with a four-digit year, as RFC 3339 requires (0000-01-01 to 9999-12-31 UTC). */
export const RFC3339_FIRST_MS = new Date(0).setUTCFullYear(0, 0, 1);
export const RFC3339_LAST_MS = new Date(0).setUTCFullYear(9999, 11, 31) + 86_400_000 - 1;

/**
 * `ms` as RFC 3339 UTC with a `Z`. "seconds" drops the fraction (rounds down,
 * so a time never moves into the next second); "milliseconds" always writes
 * three digits. Throws a RangeError for an instant RFC 3339 cannot write.
 */
export function formatRfc3339(ms: number, precision: TimePrecision): string {
  if (!Number.isFinite(ms) || ms < RFC3339_FIRST_MS || ms > RFC3339_LAST_MS) {
    throw new RangeError(`cannot write ${ms} as an RFC 3339 time: expected epoch milliseconds from year 0000 to 9999 UTC`);
  }
  // toISOString writes "YYYY-MM-DDTHH:MM:SS.sssZ" for every year in that range.
  const iso = new Date(ms).toISOString();
  return precision === "seconds" ? `${iso.slice(0, 19)}Z` : iso;
}
