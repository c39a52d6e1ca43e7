/** @jsxImportSource hono/jsx */
/**
 * /webhooks: the list with state and health, the Add form, and every
 * per-webhook action (test, enable/disable, reveal and rotate the secret,
 * recover, delete). Actions answer with a redirect (POST/redirect/GET); what
 * they have to show comes along as the session's flash. Each action looks
 * the webhook up first, so an unknown id is the 404 page whatever the form
 * holds.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { Endpoint } from "../../../domain/model.ts";
import { responseBodyText } from "../../../domain/response-body.ts";
import { endpointSchemas } from "../../../operations/input/endpoint.ts";
import { parseInput, singleValuedQuery } from "../../../operations/input/parse.ts";
import { pageQuery } from "../../../operations/paging.ts";
import { check, field, fields, localInputToRfc3339, readForm, type FieldErrors } from "../../form-input.ts";
import { ActionButton } from "../../layout.tsx";
import { refusalText } from "../../refusal.ts";
import type { SessionStore, TestResultView } from "../../session.ts";
import type { WebEnv } from "../../web-env.ts";
import type { PageDeps } from "../console-deps.ts";
import { Layout } from "../layout.tsx";
import { WebhookPage } from "./webhook.tsx";
import { ActionResult, AddWebhookForm, EMPTY_ADD_FORM, HealthBadge, StateBadge, type AddFormValues } from "./webhook-parts.tsx";

/** Webhooks per page of the list. */
const PAGE_SIZE = 50;
/** Latest deliveries on a webhook's page. */
const RECENT_DELIVERIES = 10;

export function webhookPages(deps: PageDeps, sessions: SessionStore) {
  const { ops, clock } = deps;
  const { endpoints } = ops;
  const schemas = endpointSchemas(deps.config);
  const listQuery = z.strictObject({ cursor: pageQuery("ep").cursor });
  const app = new Hono<WebEnv>();

  const load = (c: Context<WebEnv>, id: string) => endpoints.get(c.get("principal"), id);

  const list = async (c: Context<WebEnv>, values: AddFormValues, errors: FieldErrors) => {
    const q = parseInput(listQuery, singleValuedQuery(c.req.url));
    const shown = await endpoints.list(c.get("principal"), { limit: PAGE_SIZE, cursor: q.cursor });
    const session = c.get("session");
    const flash = sessions.takeFlash(session);
    const byId = new Map(shown.items.map((e) => [e.id, e.url]));
    const status = Object.keys(errors).length > 0 ? 422 : 200;
    return c.html(
      <Layout title="Webhooks" nav="webhooks" csrf={session.csrfToken} flash={flash}>
        <h1>Webhooks</h1>
        <ActionResult flash={flash} endpointUrl={(id) => byId.get(id) ?? null} />
        <WebhookTable endpoints={shown.items} csrf={session.csrfToken} now={clock.now()} />
        {shown.nextCursor && (
          <p>
            <a href={`/webhooks?cursor=${shown.nextCursor}`}>Older webhooks →</a>
          </p>
        )}
        <AddWebhookForm config={deps.config} csrf={session.csrfToken} values={values} errors={errors} />
      </Layout>,
      status,
    );
  };

  app.get("/", (c) => list(c, EMPTY_ADD_FORM, {}));

  app.post("/", async (c) => {
    const form = await readForm(c);
    const values: AddFormValues = {
      url: field(form, "url").trim(),
      description: field(form, "description"),
      tenant: field(form, "tenant").trim(),
      events: fields(form, "events"),
      all: field(form, "all") !== "",
      patterns: field(form, "patterns"),
    };
    const eventTypes = deps.config.event_types.length > 0 ? (values.all ? ["*"] : values.events) : values.patterns.split(",").map((p) => p.trim()).filter(Boolean);
    const input = check(schemas.create, { url: values.url, description: values.description, tenant: values.tenant, event_types: eventTypes });
    if (!input.ok) return list(c, values, input.errors);
    const { endpoint, secret } = await endpoints.create(c.get("principal"), input.data);
    c.get("log").info({ endpoint_id: endpoint.id, tenant: endpoint.tenant }, "endpoint created");
    c.get("session").flash = { kind: "secret", endpointId: endpoint.id, text: "Webhook added. Its signing secret:", secret, previous: [] };
    return c.redirect(`/webhooks/${endpoint.id}#secret`, 303);
  });

  app.get("/:id", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const session = c.get("session");
    const recent = await ops.deliveries.list(c.get("principal"), { limit: RECENT_DELIVERIES, endpointId: endpoint.id });
    return c.html(
      <WebhookPage config={deps.config} endpoint={endpoint} recent={recent.items} csrf={session.csrfToken} flash={sessions.takeFlash(session)} now={clock.now()} />,
    );
  });

  app.post("/:id/test", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const form = await readForm(c);
    const back = backTo(field(form, "back"), endpoint.id);
    const eventType = field(form, "event_type");
    const input = check(schemas.test, eventType === "" ? {} : { event_type: eventType });
    if (!input.ok) {
      c.get("session").flash = { kind: "error", text: `Test not sent: ${Object.values(input.errors).flat().join("; ")}` };
      return c.redirect(back, 303);
    }
    const { delivery, attempt } = await ops.testSend.send(c.get("principal"), endpoint.id, input.data.event_type);
    const shown = responseBodyText(attempt.responseBody);
    const result: TestResultView = {
      eventType: delivery.eventType,
      deliveryId: delivery.id,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      error: attempt.error,
      responseBody: shown.encoding === "base64" ? `(binary, shown as base64) ${shown.body}` : shown.body,
      responseTruncated: attempt.responseTruncated,
    };
    c.get("session").flash = { kind: "test", endpointId: endpoint.id, result };
    return c.redirect(`${back}#test-result`, 303);
  });

  app.post("/:id/enable", async (c) => switchState(c, c.req.param("id"), true));
  app.post("/:id/disable", async (c) => switchState(c, c.req.param("id"), false));

  const switchState = async (c: Context<WebEnv>, id: string, enabled: boolean) => {
    const endpoint = await load(c, id);
    const back = backTo(field(await readForm(c), "back"), endpoint.id);
    const principal = c.get("principal");
    await (enabled ? endpoints.enable(principal, endpoint.id) : endpoints.disable(principal, endpoint.id));
    c.get("session").flash = { kind: "ok", text: `${endpoint.url} is ${enabled ? "enabled; its failure streak is cleared" : "disabled; matching events are logged as failed until it is enabled"}.` };
    return c.redirect(back, 303);
  };

  app.post("/:id/reveal-secret", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const [current, ...previous] = await endpoints.secrets(c.get("principal"), endpoint.id);
    c.get("log").info({ endpoint_id: endpoint.id }, "endpoint secret revealed in the console");
    c.get("session").flash = secretFlash(endpoint, "Signing secret:", current?.secret ?? "", previous);
    return c.redirect(`/webhooks/${endpoint.id}#secret`, 303);
  });

  app.post("/:id/rotate-secret", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const [current, ...previous] = await endpoints.rotateSecret(c.get("principal"), endpoint.id);
    c.get("log").info({ endpoint_id: endpoint.id }, "endpoint secret rotated");
    c.get("session").flash = secretFlash(endpoint, "Secret rotated. The new signing secret:", current!.secret, previous);
    return c.redirect(`/webhooks/${endpoint.id}#secret`, 303);
  });

  app.post("/:id/recover", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const input = check(schemas.recover, { since: localInputToRfc3339(field(await readForm(c), "since")) });
    const session = c.get("session");
    if (!input.ok) session.flash = { kind: "error", text: `Recover since: ${Object.values(input.errors).flat().join("; ")}` };
    else {
      try {
        const queued = await ops.deliveries.recover(c.get("principal"), endpoint.id, input.data.since);
        c.get("log").info({ endpoint_id: endpoint.id, since: input.data.since, queued }, "endpoint recovered");
        session.flash = { kind: "ok", text: `${queued} failed ${queued === 1 ? "delivery" : "deliveries"} queued again.` };
      } catch (err) {
        session.flash = { kind: "error", text: refusalText(err) };
      }
    }
    return c.redirect(`/webhooks/${endpoint.id}`, 303);
  });

  app.get("/:id/delete", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const csrf = c.get("session").csrfToken;
    return c.html(
      <Layout title="Delete webhook" nav="webhooks" csrf={csrf}>
        <section class="card">
          <h1>Delete this webhook?</h1>
          <p>
            <code>{endpoint.url}</code>
          </p>
          <p>It stops receiving events at once, its secrets are forgotten, and its pending deliveries end as failed. This cannot be undone.</p>
          <div class="actions">
            <ActionButton action={`/webhooks/${endpoint.id}/delete`} csrf={csrf} label="Delete webhook" kind="danger" />
            <a href={`/webhooks/${endpoint.id}`}>Cancel</a>
          </div>
        </section>
      </Layout>,
    );
  });

  app.post("/:id/delete", async (c) => {
    const endpoint = await load(c, c.req.param("id"));
    const removed = await endpoints.remove(c.get("principal"), endpoint.id);
    c.get("log").info({ endpoint_id: endpoint.id, failed_deliveries: removed.failedDeliveries }, "endpoint deleted");
    c.get("session").flash = { kind: "ok", text: `Deleted the webhook for ${endpoint.url}.` };
    return c.redirect("/webhooks", 303);
  });

  return app;
}

/** Where an action returns to: the list or the webhook's own page, never elsewhere. */
function backTo(value: string, id: string): string {
  return value === "/webhooks" ? "/webhooks" : `/webhooks/${id}`;
}

function secretFlash(endpoint: Endpoint, text: string, secret: string, previous: { secret: string; expiresAt: number | null }[]) {
  return { kind: "secret" as const, endpointId: endpoint.id, text, secret, previous: previous.map((p) => ({ secret: p.secret, expiresAt: p.expiresAt })) };
}

function WebhookTable(props: { endpoints: Endpoint[]; csrf: string; now: number }) {
  if (props.endpoints.length === 0) return <p class="card muted">No webhooks yet. Add one below.</p>;
  return (
    <table class="stack">
      <thead>
        <tr>
          <th scope="col">Endpoint</th>
          <th scope="col">Events</th>
          <th scope="col">State</th>
          <th scope="col">Health</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {props.endpoints.map((e) => (
          <tr>
            <td data-label="Endpoint">
              <a href={`/webhooks/${e.id}`} class="url">
                {e.url}
              </a>
              {e.description && <div class="small">{e.description}</div>}
              <div class="small muted">
                {e.id} · tenant {e.tenant}
              </div>
            </td>
            <td data-label="Events">
              {e.eventTypes.map((t) => (
                <code class="tag">{t}</code>
              ))}
            </td>
            <td data-label="State">
              <StateBadge endpoint={e} />
            </td>
            <td data-label="Health">
              <HealthBadge endpoint={e} now={props.now} />
            </td>
            <td data-label="Actions">
              <div class="actions">
                <ActionButton action={`/webhooks/${e.id}/test`} csrf={props.csrf} label="Test" kind="primary" hidden={{ back: "/webhooks" }} />
                {e.state === "enabled" ? (
                  <ActionButton action={`/webhooks/${e.id}/disable`} csrf={props.csrf} label="Disable" hidden={{ back: "/webhooks" }} />
                ) : (
                  <ActionButton action={`/webhooks/${e.id}/enable`} csrf={props.csrf} label="Enable" hidden={{ back: "/webhooks" }} />
                )}
                <ActionButton action={`/webhooks/${e.id}/reveal-secret`} csrf={props.csrf} label="Reveal secret" />
                <ActionButton action={`/webhooks/${e.id}/rotate-secret`} csrf={props.csrf} label="Rotate secret" confirm="Rotate the secret? The old one keeps signing for 24 h." />
                <a class="button danger" href={`/webhooks/${e.id}/delete`}>
                  Delete
                </a>
                <a href={`/deliveries?endpoint_id=${e.id}`}>Deliveries</a>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
