/** @jsxImportSource hono/jsx */
/** One webhook: its settings and health, every action on it, and its latest deliveries. */
import type { Config } from "../../../config/schema.ts";
import { subscribesTo } from "../../../domain/event-types.ts";
import type { Endpoint } from "../../../domain/model.ts";
import type { DeliveryRecord } from "../../../operations/deliveries.ts";
import { minuteInput, When } from "../../format.tsx";
import { ActionButton, CsrfField } from "../../layout.tsx";
import type { Flash } from "../../session.ts";
import { Layout } from "../layout.tsx";
import { DeliveryList } from "./delivery-list.tsx";
import { ActionResult, HealthBadge, StateBadge } from "./webhook-parts.tsx";

export interface WebhookPageProps {
  config: Config;
  endpoint: Endpoint;
  recent: DeliveryRecord[];
  csrf: string;
  flash: Flash | null;
  now: number;
}

export function WebhookPage(props: WebhookPageProps) {
  const { endpoint: e, csrf, now } = props;
  const testTypes = props.config.event_types.map((t) => t.name).filter((n) => subscribesTo(e.eventTypes, n));
  const dayAgo = minuteInput(now - 86_400_000);
  return (
    <Layout title={e.url} nav="webhooks" csrf={csrf} flash={props.flash}>
      <p class="small">
        <a href="/webhooks">← Webhooks</a>
      </p>
      <h1 class="url">{e.url}</h1>
      {e.description && <p>{e.description}</p>}
      <ActionResult flash={props.flash} endpointUrl={() => e.url} />
      <section class="card">
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <StateBadge endpoint={e} />
          </dd>
          <dt>Health</dt>
          <dd>
            <HealthBadge endpoint={e} now={now} />
          </dd>
          <dt>Events</dt>
          <dd>
            {e.eventTypes.map((t) => (
              <code class="tag">{t}</code>
            ))}
          </dd>
          <dt>Tenant</dt>
          <dd>{e.tenant}</dd>
          <dt>Id</dt>
          <dd>
            <code>{e.id}</code>
          </dd>
          <dt>Extra headers</dt>
          <dd>{Object.keys(e.headers).length === 0 ? "none" : Object.keys(e.headers).join(", ")}</dd>
          <dt>Created</dt>
          <dd>
            <When ms={e.createdAt} now={now} />
          </dd>
          <dt>Last success</dt>
          <dd>
            <When ms={e.lastSuccessAt} now={now} />
          </dd>
        </dl>
      </section>
      <section class="card">
        <h2>Actions</h2>
        <form method="post" action={`/webhooks/${e.id}/test`} class="inline">
          <CsrfField token={csrf} />
          {testTypes.length > 0 && (
            <>
              <label for="event_type" class="inline-label">
                Sample event
              </label>
              <select id="event_type" name="event_type">
                {testTypes.map((t) => (
                  <option value={t}>{t}</option>
                ))}
              </select>
            </>
          )}
          <button type="submit" class="primary">
            Test
          </button>
        </form>
        <div class="actions">
          {e.state === "enabled" ? (
            <ActionButton action={`/webhooks/${e.id}/disable`} csrf={csrf} label="Disable" />
          ) : (
            <ActionButton action={`/webhooks/${e.id}/enable`} csrf={csrf} label="Enable" />
          )}
          <ActionButton action={`/webhooks/${e.id}/reveal-secret`} csrf={csrf} label="Reveal secret" />
          <ActionButton action={`/webhooks/${e.id}/rotate-secret`} csrf={csrf} label="Rotate secret" confirm="Rotate the secret? The old one keeps signing for 24 h." />
          <a class="button danger" href={`/webhooks/${e.id}/delete`}>
            Delete
          </a>
        </div>
        <form method="post" action={`/webhooks/${e.id}/recover`} class="inline recover">
          <CsrfField token={csrf} />
          <label for="since" class="inline-label">
            Recover failed deliveries created since (UTC)
          </label>
          <input id="since" name="since" type="datetime-local" value={dayAgo} required />
          <button type="submit">Recover since</button>
        </form>
      </section>
      <section>
        <h2>Latest deliveries</h2>
        <DeliveryList deliveries={props.recent} now={now} showEndpoint={false} />
        <p>
          <a href={`/deliveries?endpoint_id=${e.id}`}>Full delivery log for this webhook →</a>
        </p>
      </section>
    </Layout>
  );
}
