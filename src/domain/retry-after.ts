/**
 * Retry-After (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date.
 *
 * Dates are parsed here rather than with Date.parse because Date.parse accepts
 * far more than HTTP allows ("2024", "1", rolling 31 Feb into March) and reads
 * the asctime form, which carries no zone, in the host's local time zone. All
 * three HTTP-date forms are defined as UTC; we read them with Date.UTC.
 */

/** The longest wait (ten years, leap days included) we believe a server means; anything further is treated as garbage. */
export const MAX_RETRY_AFTER_MS = 3653 * 86_400_000;

const DELTA_SECONDS = /^\d+$/;

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};
const DAY_NAME = "(?:mon|tue|wed|thu|fri|sat|sun)";
const LONG_DAY_NAME = "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)";
const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
const TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

// Names are matched case-insensitively: RFC 9110 makes them case-sensitive, but
// a server that shouts "SUN, 06 NOV" still means the same instant.
/** IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
const IMF_FIXDATE = new RegExp(`^${DAY_NAME}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, "i");
/** Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". */
const RFC_850 = new RegExp(`^${LONG_DAY_NAME}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, "i");
/** Obsolete asctime: "Sun Nov  6 08:49:37 1994" (day padded with a space). */
const ASCTIME = new RegExp(`^${DAY_NAME} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, "i");

type DateParts = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** Epoch ms of valid calendar parts, or null for 31 Feb, 25:00 and the like. */
function utcMs(p: DateParts): number | null {
  // 60 is allowed for a leap second; JavaScript time has none, so it rolls into the next minute.
  if (p.hour > 23 || p.minute > 59 || p.second > 60) return null;
  const ms = Date.UTC(p.year, p.month, p.day, p.hour, p.minute, p.second);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== p.year || check.getUTCMonth() !== p.month || check.getUTCDate() !== p.day) {
    return null;
  }
  return ms;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would land more than 50 years in the
 * future is read as the most recent past year with those digits.
 */
function expandTwoDigitYear(yy: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = nowYear - (nowYear % 100) + yy;
  if (year > nowYear + 50) year -= 100;
  return year;
}

/** Parses any of the three HTTP-date forms to epoch ms; null when it is none of them. */
function parseHttpDate(text: string, nowMs: number): number | null {
  const num = (s: string | undefined) => Number(s);
  const month = (s: string | undefined) => MONTHS[(s ?? "").toLowerCase()] ?? -1;

  let m = IMF_FIXDATE.exec(text);
  if (m) {
    return utcMs({ day: num(m[1]), month: month(m[2]), year: num(m[3]), hour: num(m[4]), minute: num(m[5]), second: num(m[6]) });
  }
  m = RFC_850.exec(text);
  if (m) {
    const year = expandTwoDigitYear(num(m[3]), nowMs);
    return utcMs({ day: num(m[1]), month: month(m[2]), year, hour: num(m[4]), minute: num(m[5]), second: num(m[6]) });
  }
  m = ASCTIME.exec(text);
  if (m) {
    return utcMs({ month: month(m[1]), day: num(m[2]?.trim()), hour: num(m[3]), minute: num(m[4]), second: num(m[5]), year: num(m[6]) });
  }
  return null;
}

/** Milliseconds to wait per a Retry-After value (delta-seconds or HTTP-date) at `nowMs`; 0 for a past date; null when absent, malformed or over ten years. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === "") return null;

  let delayMs: number;
  if (DELTA_SECONDS.test(text)) {
    delayMs = Number(text) * 1000;
  } else {
    const at = parseHttpDate(text, nowMs);
    if (at === null) return null;
    // A date already gone means "now"; ceil keeps a sub-millisecond clock from asking a zero wait too early.
    delayMs = Math.max(0, Math.ceil(at - nowMs));
  }
  return delayMs > MAX_RETRY_AFTER_MS ? null : delayMs;
}
