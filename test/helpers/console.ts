/**
 * A logged-in console session over `app.request()`: keeps the session
 * cookie, reads the CSRF token from the pages, and posts forms.
 */
import { TEST_TOKEN, type TestApi } from "./http-app.ts";

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Page>;
  /** Posts a form with the session's CSRF token unless `_csrf` is given (null: leave it out). */
  post(path: string, form: Record<string, string | string[] | null>, headers?: Record<string, string>): Promise<Page>;
}

export interface Page {
  status: number;
  location: string | null;
  headers: Headers;
  html: string;
}

async function read(res: Response): Promise<Page> {
  return { status: res.status, location: res.headers.get("location"), headers: res.headers, html: await res.text() };
}

/** A form body, repeated names for array values. */
export function formBody(form: Record<string, string | string[] | null>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    if (value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  }
  return body;
}

/** Logs in with the admin token and returns a client holding the session. */
export async function loginConsole(api: TestApi): Promise<ConsoleClient> {
  const login = await api.request("/login", { method: "POST", body: formBody({ token: TEST_TOKEN }) });
  if (login.status !== 303) throw new Error(`login answered ${login.status}`);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const home = await read(await api.request("/webhooks", { headers: { cookie } }));
  const csrf = /name="_csrf" value="([^"]+)"/.exec(home.html)?.[1];
  if (!csrf) throw new Error("no CSRF token on /webhooks");
  return {
    cookie,
    csrf,
    get: async (path, headers = {}) => read(await api.request(path, { headers: { cookie, ...headers } })),
    post: async (path, form, headers = {}) =>
      read(await api.request(path, { method: "POST", headers: { cookie, ...headers }, body: formBody({ _csrf: csrf, ...form }) })),
  };
}
