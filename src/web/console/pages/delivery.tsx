/** @jsxImportSource hono/jsx */
/** One delivery: what was sent, and every attempt with its request, response and retry decision. */
import type { Attempt, Endpoint, StoredEvent } from "../../../domain/model.ts";
import { responseBodyText } from "../../../domain/response-body.ts";
import type { DeliveryRecord } from "../../../operations/deliveries.ts";
import { AttemptOutcome, DeliveryStatus, duration, When } from "../../format.tsx";
import { ActionButton } from "../../layout.tsx";
import type { Flash } from "../../session.ts";
import { Layout } from "../layout.tsx";

export interface DeliveryPageProps {
  delivery: DeliveryRecord;
  attempts: Attempt[];
  event: StoredEvent | null;
  endpoint: Endpoint | null;
  csrf: string;
  flash: Flash | null;
  now: number;
}

export function DeliveryPage(props: DeliveryPageProps) {
  const { delivery: d, now } = props;
  return (
    <Layout title={`Delivery ${d.id}`} nav="deliveries" csrf={props.csrf} flash={props.flash}>
      <p class="small">
        <a href="/deliveries">← Delivery log</a>
      </p>
      <h1>
        Delivery <code>{d.id}</code> <DeliveryStatus status={d.status} />
      </h1>
      <section class="card">
        <dl class="facts">
          <dt>Event</dt>
          <dd>
            <code>{d.eventType}</code> <span class="muted small">{d.eventId}</span> {d.isTest && <span class="tag">test</span>}
          </dd>
          <dt>Endpoint</dt>
          <dd class="url">
            {props.endpoint ? <a href={`/webhooks/${props.endpoint.id}`}>{d.url}</a> : d.url}
            {d.endpointId === null && <span class="muted small"> (one-off callback_url)</span>}
            {d.endpointId !== null && !props.endpoint && <span class="muted small"> (webhook deleted)</span>}
          </dd>
          <dt>Attempts</dt>
          <dd>{d.attemptCount}</dd>
          {d.status === "pending" && (
            <>
              <dt>Next attempt</dt>
              <dd>
                <When ms={d.nextAttemptAt} now={now} />
              </dd>
            </>
          )}
          <dt>Last error</dt>
          <dd>{d.lastError ?? "—"}</dd>
          <dt>Created</dt>
          <dd>
            <When ms={d.createdAt} now={now} />
          </dd>
        </dl>
        {d.status !== "pending" && (
          <div class="actions">
            <ActionButton action={`/deliveries/${d.id}/retry`} csrf={props.csrf} label="Retry now" kind="primary" />
          </div>
        )}
      </section>
      {props.event && (
        <details class="card">
          <summary>Payload sent</summary>
          <pre class="body">{prettyJson(props.event.payload)}</pre>
        </details>
      )}
      <h2>Attempts</h2>
      {props.attempts.length === 0 && <p class="card muted">No attempt yet.</p>}
      <ol class="attempts" reversed>
        {[...props.attempts].reverse().map((a) => (
          <AttemptCard attempt={a} delivery={d} now={now} />
        ))}
      </ol>
    </Layout>
  );
}

function AttemptCard(props: { attempt: Attempt; delivery: DeliveryRecord; now: number }) {
  const a = props.attempt;
  const shown = responseBodyText(a.responseBody);
  return (
    <li class="card attempt" id={`attempt-${a.n}`}>
      <h3>
        Attempt {a.n} <AttemptOutcome statusCode={a.statusCode} error={a.error} /> <span class="latency">{duration(a.durationMs)}</span>
      </h3>
      <p class="small">
        Started <When ms={a.startedAt} now={props.now} />
      </p>
      <p class="decision">
        <strong>Decision: </strong>
        {decision(a, props.delivery, props.now)}
      </p>
      <div class="two">
        <div>
          <h4>Request headers</h4>
          <Headers headers={a.requestHeaders} />
        </div>
        <div>
          <h4>Response headers</h4>
          {a.responseHeaders === null ? <p class="muted">No response.</p> : <Headers headers={a.responseHeaders} />}
        </div>
      </div>
      <h4>
        Response body
        {shown.encoding === "base64" && " (binary, shown as base64)"}
        {a.responseTruncated && " (cut at the configured limit)"}
      </h4>
      {shown.body === null || shown.body === "" ? <p class="muted">(empty)</p> : <pre class="body">{shown.body}</pre>}
    </li>
  );
}

function decision(a: Attempt, d: DeliveryRecord, now: number) {
  // Not the receiver's failure: say so, or it reads as the endpoint's fault.
  if (a.error === "interrupted") {
    const cut = "cut off when hookgate crashed or stopped; whether the receiver got it is unknown";
    if (a.nextAttemptAt === null) return `${cut}. Final: test sends are never retried.`;
    return (
      <>
        {cut}, so it is made again at once: due <When ms={a.nextAttemptAt} now={now} />.
      </>
    );
  }
  if (a.nextAttemptAt !== null) {
    return (
      <>
        retry at <When ms={a.nextAttemptAt} now={now} />
      </>
    );
  }
  const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300 && a.error === null;
  if (ok) return "delivered; no more attempts.";
  if (a.isTest) return "final: test sends are never retried.";
  if (a.error === "endpoint_disabled") return "final: the webhook was disabled, nothing was sent. Enable it, then Retry or Recover.";
  if (a.statusCode === 410) return "final: 410 Gone disabled the webhook.";
  return d.status === "pending" ? "final for this round; queued again since." : "final: the retry schedule is spent, the delivery failed.";
}

function Headers(props: { headers: Record<string, string> }) {
  const entries = Object.entries(props.headers);
  if (entries.length === 0) return <p class="muted">none</p>;
  return (
    <table class="headers">
      <tbody>
        {entries.map(([name, value]) => (
          <tr>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return text; // stored payloads are JSON; show anything else as it is
  }
}
