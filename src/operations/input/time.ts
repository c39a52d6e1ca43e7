/** RFC 3339 times in requests, strictly parsed into epoch milliseconds. */
import { z } from "zod";
import { RFC3339_FIRST_MS, RFC3339_LAST_MS } from "../../domain/rfc3339.ts";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const TIME_ERROR = 'expected an RFC 3339 time, such as "2024-01-15T10:30:00Z"';

/**
 * Epoch milliseconds of an RFC 3339 time, or null. Stricter than
 * Date.parse, which rolls "2024-02-30" over to March 1 and "T24:00" to the
 * next day: every field must be in its calendar range. A leap second (":60")
 * is refused: JavaScript time cannot hold it.
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0–99 as written
  // Digits past the millisecond are cut, not rounded, so a time never moves into the next second.
  const millis = m[7] ? Number(`${m[7].slice(1)}00`.slice(0, 3)) : 0;
  at.setUTCHours(hour, minute, second, millis);
  return at.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * An RFC 3339 time string, as epoch milliseconds. The instant must fall in
 * years 0000–9999 UTC, because it is rendered back as RFC 3339 (an offset
 * can move "9999-12-31T23:00:00-05:00" into year 10000, which RFC 3339
 * cannot write).
 */
export const timeSchema = z.string({ error: TIME_ERROR }).meta({ format: "date-time", description: "RFC 3339 time" }).transform((t, ctx) => {
  const ms = parseRfc3339(t);
  if (ms === null) ctx.addIssue({ code: "custom", message: TIME_ERROR });
  else if (ms < RFC3339_FIRST_MS || ms > RFC3339_LAST_MS) ctx.addIssue({ code: "custom", message: "expected a time from year 0000 to 9999 in UTC" });
  else return ms;
  return z.NEVER;
});
