/** @jsxImportSource hono/jsx */
/** Pieces of the webhook pages: state and health badges, the Add form, the test result and the secret panel. */
import type { Config } from "../../../config/schema.ts";
import type { Endpoint } from "../../../domain/model.ts";
import type { FieldErrors } from "../../form-input.ts";
import { AttemptOutcome, Badge, duration, utc, When } from "../../format.tsx";
import { CsrfField } from "../../layout.tsx";
import type { Flash } from "../../session.ts";

export function StateBadge(props: { endpoint: Endpoint }) {
  const e = props.endpoint;
  if (e.state === "enabled") return <Badge tone="ok">enabled</Badge>;
  const why = { manual: "by an operator", auto_failing: "automatically: failing too long", gone: "automatically: answered 410 Gone" }[e.disabledReason ?? "manual"];
  return <Badge tone={e.disabledReason === "manual" ? "idle" : "bad"}>{`disabled ${why}`}</Badge>;
}

export function HealthBadge(props: { endpoint: Endpoint; now: number }) {
  const e = props.endpoint;
  if (e.failingSince !== null) {
    return (
      <span>
        <Badge tone="bad">{`failing (${e.consecutiveFailures} in a row)`}</Badge> <span class="small">since <When ms={e.failingSince} now={props.now} /></span>
      </span>
    );
  }
  if (e.lastSuccessAt !== null) {
    return (
      <span>
        <Badge tone="ok">healthy</Badge> <span class="small">last success <When ms={e.lastSuccessAt} now={props.now} /></span>
      </span>
    );
  }
  return <Badge tone="idle">no deliveries yet</Badge>;
}

export interface AddFormValues {
  url: string;
  description: string;
  tenant: string;
  events: string[];
  all: boolean;
  /** Without a catalog: the patterns typed, comma-separated. */
  patterns: string;
}

export const EMPTY_ADD_FORM: AddFormValues = { url: "", description: "", tenant: "default", events: [], all: false, patterns: "*" };

export function AddWebhookForm(props: { config: Config; csrf: string; values: AddFormValues; errors: FieldErrors }) {
  const { values, errors } = props;
  const catalog = props.config.event_types;
  return (
    <form method="post" action="/webhooks" class="card add-form" id="add">
      <h2>Add webhook</h2>
      <CsrfField token={props.csrf} />
      {errors[""] && <Problems list={errors[""]} />}
      <label for="url">Endpoint URL</label>
      <input id="url" name="url" type="url" value={values.url} placeholder="https://example.com/webhooks" required aria-describedby="url-help" aria-invalid={errors.url ? "true" : undefined} />
      <p class="small muted" id="url-help">
        {props.config.delivery.require_https ? "Must be https." : "http and https are allowed."} hookgate signs every request; verify the signature before trusting it.
      </p>
      {errors.url && <Problems list={errors.url} />}
      <fieldset>
        <legend>Events to send</legend>
        {catalog.length > 0 ? (
          <div class="events">
            <label class="check">
              <input type="checkbox" name="all" value="1" checked={values.all} /> <strong>All events</strong> <code>*</code>
            </label>
            {catalog.map((t) => (
              <label class="check">
                <input type="checkbox" name="events" value={t.name} checked={values.events.includes(t.name)} /> <code>{t.name}</code>
                {t.description && <span class="muted small"> — {t.description}</span>}
              </label>
            ))}
          </div>
        ) : (
          <>
            <label for="patterns">Event types, comma-separated (<code>*</code> for all, <code>message.*</code> for a family)</label>
            <input id="patterns" name="patterns" value={values.patterns} />
          </>
        )}
        {errors.event_types && <Problems list={errors.event_types} />}
      </fieldset>
      <label for="description">Description</label>
      <input id="description" name="description" value={values.description} maxlength={1024} placeholder="What receives these events" />
      {errors.description && <Problems list={errors.description} />}
      <label for="tenant">Tenant</label>
      <input id="tenant" name="tenant" value={values.tenant} required />
      {errors.tenant && <Problems list={errors.tenant} />}
      <button type="submit" class="primary">
        Add webhook
      </button>
    </form>
  );
}

function Problems(props: { list: string[] }) {
  return (
    <ul class="problems" role="alert">
      {props.list.map((m) => (
        <li>
          <span aria-hidden="true">✗ </span>
          {m}
        </li>
      ))}
    </ul>
  );
}

/** The Test button's answer, or a secret shown once; rendered by the page the action returned to. */
export function ActionResult(props: { flash: Flash | null; endpointUrl: (id: string) => string | null }) {
  const f = props.flash;
  if (f?.kind === "test") {
    const r = f.result;
    return (
      <section class="card result" id="test-result" aria-live="polite">
        <h2>Test result</h2>
        <p>
          Sent a sample <code>{r.eventType}</code> to <code>{props.endpointUrl(f.endpointId) ?? f.endpointId}</code>:{" "}
          <AttemptOutcome statusCode={r.statusCode} error={r.error} /> in <strong class="latency">{duration(r.durationMs)}</strong>
        </p>
        <h3>Response body{r.responseTruncated ? " (cut at the configured limit)" : ""}</h3>
        {r.responseBody === null || r.responseBody === "" ? <p class="muted">(empty)</p> : <pre class="body">{r.responseBody}</pre>}
        <p>
          <a href={`/deliveries/${r.deliveryId}`}>Full request and response headers</a>
        </p>
      </section>
    );
  }
  if (f?.kind === "secret") {
    return (
      <section class="card result" id="secret" aria-live="polite">
        <h2>{f.text}</h2>
        <p class="small">Shown this once; reveal it again from the webhook's page when needed.</p>
        <p>
          <code class="secret">{f.secret}</code> <button type="button" class="copy" data-copy={f.secret}>Copy</button>
        </p>
        {f.previous.length > 0 && (
          <>
            <h3>Previous secrets, still signing beside it</h3>
            <ul>
              {f.previous.map((p) => (
                <li>
                  <code class="secret">{p.secret}</code> until {utc(p.expiresAt)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    );
  }
  return null;
}
