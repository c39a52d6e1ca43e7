/**
 * PostgreSQL connection URLs (storage.url): which ones are accepted, and how
 * one is shown without its password. A URL is a secret only in part: the
 * scheme, user, host, port and database are what an operator needs to see
 * (check-config, start-up errors), the password never is, nor a password
 * given as a query parameter (libpq accepts `?password=`).
 */

const SCHEMES = new Set(["postgres:", "postgresql:"]);

/** Query parameters that carry a password (libpq's `password`, `sslpassword`). */
const PASSWORD_PARAMETER = /pass/i;

/** True for a postgres:// or postgresql:// URL naming a host. */
export function isPostgresUrl(text: string): boolean {
  const url = authorityUrl(text);
  return url !== null && SCHEMES.has(url.protocol) && url.hostname !== "";
}

/**
 * The URL as written, its password and password parameters replaced by
 * `mask`, so it still loads back (check-config). Text that is not a
 * scheme://authority URL cannot be told apart from a password, so all of it
 * is `mask`.
 */
export function maskUrlPassword(text: string, mask: string): string {
  const url = authorityUrl(text);
  if (url === null) return mask;
  const user = url.password === "" ? url.username : `${url.username}:${mask}`;
  // Parameters are kept as written, byte for byte, except a password's value.
  const search = url.search
    .slice(1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq >= 0 && PASSWORD_PARAMETER.test(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=${mask}` : pair;
    })
    .join("&");
  return `${url.protocol}//${user === "" ? "" : `${user}@`}${url.host}${url.pathname}${search === "" ? "" : `?${search}`}${url.hash}`;
}

/** Where a postgres URL points, for logs and start-up errors: "postgres://user@host:port/db", no password, no parameters. */
export function describePostgresUrl(text: string): string {
  const url = authorityUrl(text);
  if (url === null) return "(not a URL)";
  return `${url.protocol}//${url.username === "" ? "" : `${url.username}@`}${url.host}${url.pathname}`;
}

/** The parsed URL when `text` is scheme://authority…; null otherwise (including "user:pw@host", which parses as a scheme "user:"). */
function authorityUrl(text: string): URL | null {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
