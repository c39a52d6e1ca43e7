/** @jsxImportSource hono/jsx */
/**
 * The page shell every web face shares: head, brand, navigation, flash
 * message, logout; and the small form components every page uses. A face
 * (console/layout.tsx) names its own links; the shell draws them.
 */
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "./csrf.ts";
import type { Flash } from "./session.ts";

/** One entry of a face's navigation: its key, where it goes, what it says. */
export type NavLink = [key: string, href: string, label: string];

export interface PageShellProps {
  title: string;
  /** Where the brand links to: the face's home page. */
  home: string;
  links: NavLink[];
  /** The key of the link to mark as the current page; null for none. */
  current: string | null;
  /** Where the logout form posts. */
  logout: string;
  /** The session's CSRF token; null without a session (login, errors before one): no navigation, no logout form. */
  csrf: string | null;
  flash?: Flash | null;
  children: Child;
}

export function PageShell(props: PageShellProps) {
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · hookgate`}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/console.css" />
        <script src="/assets/console.js" defer></script>
      </head>
      <body>
        <header class="top">
          <a class="brand" href={props.home}>
            hookgate
          </a>
          {props.csrf !== null && (
            <nav aria-label="Main">
              {props.links.map(([key, href, label]) => (
                <a href={href} aria-current={props.current === key ? "page" : undefined}>
                  {label}
                </a>
              ))}
            </nav>
          )}
          {props.csrf !== null && (
            <form method="post" action={props.logout} class="logout">
              <CsrfField token={props.csrf} />
              <button type="submit" class="link">
                Log out
              </button>
            </form>
          )}
        </header>
        <main>
          {props.flash && <FlashMessage flash={props.flash} />}
          {props.children}
        </main>
      </body>
      </html>
    </>
  );
}

/** The hidden CSRF field; every form of a web face includes it. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

/** A POST form of one button, for actions (enable, retry, ...). */
export function ActionButton(props: { action: string; csrf: string; label: string; confirm?: string; kind?: "danger" | "primary"; hidden?: Record<string, string> }) {
  return (
    <form method="post" action={props.action} class="inline" data-confirm={props.confirm}>
      <CsrfField token={props.csrf} />
      {Object.entries(props.hidden ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={props.kind ?? ""}>
        {props.label}
      </button>
    </form>
  );
}

/** Generic flash messages; pages render the richer kinds (secret, test) themselves. */
function FlashMessage(props: { flash: Flash }) {
  const f = props.flash;
  if (f.kind !== "ok" && f.kind !== "error") return null;
  return (
    <p class={`flash ${f.kind}`} role={f.kind === "error" ? "alert" : "status"}>
      <strong>{f.kind === "ok" ? "Done: " : "Error: "}</strong>
      {f.text}
    </p>
  );
}
