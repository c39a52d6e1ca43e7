/**
 * CSRF protection for the console's forms, two independent checks:
 * - the request must not come from another site: Sec-Fetch-Site, when the
 *   browser sends it, must be same-origin (or none: typed by the user), and
 *   Origin, when sent, must name this server's host (the scheme may differ
 *   behind a TLS-terminating proxy, which talks plain http to hookgate);
 * - a state-changing POST must carry the session's CSRF token in the `_csrf`
 *   field (compared in constant time), which another site cannot read.
 * The SameSite=Strict cookie is a third line: a cross-site POST arrives
 * without a session at all.
 */
import { constantTimeEqual } from "../domain/secret.ts";

/** The form field every console form carries. */
export const CSRF_FIELD = "_csrf";

/** Why the request looks cross-site, or null when it does not. */
export function crossSiteProblem(headers: { get(name: string): string | null }, requestUrl: string): string | null {
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site is ${site}`;
  const origin = headers.get("origin");
  if (origin !== null && (!URL.canParse(origin) || new URL(origin).host !== new URL(requestUrl).host)) return `Origin ${origin} is not this server`;
  return null;
}

/** True when the form's token is the session's. */
export function csrfTokenMatches(sent: unknown, expected: string): boolean {
  return typeof sent === "string" && sent !== "" && constantTimeEqual(sent, expected);
}
