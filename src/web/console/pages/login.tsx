/** @jsxImportSource hono/jsx */
/** The login form: the admin token, once per browser session. */
import { Layout } from "../layout.tsx";

export function LoginPage(props: { error: string | null; next: string }) {
  return (
    <Layout title="Log in" nav={null} csrf={null}>
      <section class="card login">
        <h1>Log in to hookgate</h1>
        <p class="muted">
          Use the admin token: <code>server.admin_token</code> from the config, or the generated <code>data/admin.token</code>.
        </p>
        {props.error && (
          <p class="flash error" role="alert">
            <strong>Error: </strong>
            {props.error}
          </p>
        )}
        <form method="post" action="/login">
          <input type="hidden" name="next" value={props.next} />
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <button type="submit" class="primary">
            Log in
          </button>
        </form>
      </section>
    </Layout>
  );
}
