/** @jsxImportSource hono/jsx */
/**
 * The web console: server-rendered pages at /, behind a login with the admin
 * token. The wiring mounts it at "/" beside the API, so every middleware
 * here names its paths: a bare use("*") would also run for /v1/*, which
 * keeps its own bearer auth and is never opened by the session cookie.
 * Its pages call the same operations as the API, and their refusals become
 * error pages and flash messages here (../refusal.ts).
 */
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import { constantTimeEqual } from "../../domain/secret.ts";
import { ADMIN } from "../../operations/principal.ts";
import { assetFiles } from "../assets.ts";
import { crossSiteProblem, CSRF_FIELD, csrfTokenMatches } from "../csrf.ts";
import { refusalOf } from "../refusal.ts";
import { LoginLimiter, SessionStore } from "../session.ts";
import type { WebEnv } from "../web-env.ts";
import type { ConsoleDeps } from "./console-deps.ts";
import { Layout } from "./layout.tsx";
import { dashboardPages } from "./pages/dashboard.tsx";
import { deliveryLogPages } from "./pages/delivery-log.tsx";
import { LoginPage } from "./pages/login.tsx";
import { webhookPages } from "./pages/webhooks.tsx";

export const SESSION_COOKIE = "hookgate_session";

/** Paths behind the login. */
const PRIVATE = ["/", "/logout", "/webhooks", "/webhooks/*", "/deliveries", "/deliveries/*"];
const PAGES = [...PRIVATE, "/login", "/assets/*"];

/** Builds the console; the wiring mounts it at "/" beside the API. */
export function createConsole(deps: ConsoleDeps) {
  const options = deps.options ?? {};
  const sessions = new SessionStore(deps.ops.webSessions, options.idleMs ?? 12 * 3_600_000);
  const limiter = new LoginLimiter(deps.ops.webSessions, options.maxFailedLoginsPerMinute ?? 10, 60_000);
  const failedLoginDelayMs = options.failedLoginDelayMs ?? 500;
  const app = new Hono<WebEnv>();

  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "same-origin",
  });
  for (const path of PAGES) app.use(path, headers);

  // Pages hold secrets and per-session data: never kept by a browser cache or a proxy.
  for (const path of PRIVATE) {
    app.use(path, async (c, next) => {
      await next();
      c.header("Cache-Control", "no-store");
    });
  }

  // Every POST, logged in or not: refused when it comes from another site.
  for (const path of PAGES) {
    app.on("POST", path, async (c, next) => {
      const problem = crossSiteProblem(c.req.raw.headers, c.req.url);
      if (problem) {
        c.get("log").warn({ path: c.req.path, problem }, "console request refused as cross-site");
        return forbidden(c, "This request came from another site and was refused.");
      }
      await next();
    });
  }

  const requireSession: MiddlewareHandler<WebEnv> = async (c, next) => {
    // Two PRIVATE patterns can match one path ("/webhooks" and "/webhooks/*"): one session per request.
    if (c.get("session")) return next();
    const session = await sessions.touch(getCookie(c, SESSION_COOKIE), { withFlash: c.req.method === "GET" });
    if (!session) {
      const next = c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : "/";
      return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    }
    c.set("session", session);
    // A console session is the admin's: it was opened with the admin token.
    c.set("principal", ADMIN);
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!csrfTokenMatches(form[CSRF_FIELD], session.csrfToken)) {
        c.get("log").warn({ path: c.req.path }, "console form refused: missing or wrong CSRF token");
        return forbidden(c, "The form's security token is missing or stale. Go back, reload the page and try again.");
      }
    }
    await next();
    await sessions.keepFlash(session);
  };
  for (const path of PRIVATE) app.use(path, requireSession);

  app.route("/assets", assetFiles());

  app.get("/login", async (c) => {
    if (await sessions.touch(getCookie(c, SESSION_COOKIE))) return c.redirect("/", 303);
    return c.html(<LoginPage error={null} next={safeNext(c.req.query("next"))} />);
  });

  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(form.next);
    const wait = await limiter.retryAfterMs();
    if (wait > 0) {
      c.header("Retry-After", String(Math.ceil(wait / 1000)));
      return c.html(<LoginPage error={`Too many wrong tokens; try again in ${Math.ceil(wait / 1000)} s.`} next={next} />, 429);
    }
    const token = typeof form.token === "string" ? form.token.trim() : "";
    if (!constantTimeEqual(token, deps.adminToken)) {
      await limiter.recordFailure();
      c.get("log").warn({}, "console login failed: wrong admin token");
      // Slows a script down; a person does not notice.
      await Bun.sleep(failedLoginDelayMs);
      return c.html(<LoginPage error="That is not the admin token." next={next} />, 401);
    }
    const session = await sessions.create();
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isHttps(c),
    });
    c.get("log").info({}, "console login");
    return c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    await sessions.destroy(c.get("session").id);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: isHttps(c) });
    return c.redirect("/login", 303);
  });

  app.route("/", dashboardPages(deps));
  app.route("/webhooks", webhookPages(deps, sessions));
  app.route("/deliveries", deliveryLogPages(deps, sessions));

  // Errors on console pages are pages too, not the API's JSON: a refusal
  // answers with its status and words, anything else is a logged 500.
  app.onError((err, c) => {
    const csrf = c.get("session")?.csrfToken ?? null;
    const refusal = refusalOf(err);
    if (refusal) return c.html(<ErrorPage csrf={csrf} status={refusal.status} text={refusal.text} />, refusal.status);
    c.get("log").error({ err, method: c.req.method, path: c.req.path }, "console internal error");
    return c.html(<ErrorPage csrf={csrf} status={500} text="Something went wrong on the server; the log has the details for this request id." />, 500);
  });

  return app;
}

/** The request reached us over https, directly or through a proxy that says so. */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** Where to go after login: a local path only, never another site ("//evil", "/\\evil"). */
function safeNext(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  return value;
}

function forbidden(c: Context, text: string) {
  return c.html(<ErrorPage csrf={null} status={403} text={text} />, 403);
}

function ErrorPage(props: { csrf: string | null; status: number; text: string }) {
  return (
    <Layout title={`Error ${props.status}`} nav={null} csrf={props.csrf}>
      <section class="card">
        <h1>Error {props.status}</h1>
        <p>{props.text}</p>
        <p>
          <a href="/">Back to the dashboard</a>
        </p>
      </section>
    </Layout>
  );
}
