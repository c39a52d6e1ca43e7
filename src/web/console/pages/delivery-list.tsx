/** @jsxImportSource hono/jsx */
/** The delivery log as a table (stacked cards on a phone); used by the log and a webhook's page. */
import type { DeliveryRecord } from "../../../operations/deliveries.ts";
import { DeliveryStatus, When } from "../../format.tsx";

/** What an empty list says: "none match" under filters, else what to do first. */
export function DeliveryList(props: { deliveries: DeliveryRecord[]; now: number; showEndpoint?: boolean; filtered?: boolean }) {
  if (props.deliveries.length === 0) {
    if (props.filtered !== false) return <p class="card muted">No deliveries match.</p>;
    return (
      <p class="card muted">
        No deliveries yet. They appear here once an event is sent to a tenant that has a matching webhook: <a href="/webhooks#add">add a webhook</a>,
        then press its Test button or POST an event to <code>/v1/events</code>.
      </p>
    );
  }
  return (
    <table class="stack deliveries">
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          <th scope="col">Event</th>
          {props.showEndpoint !== false && <th scope="col">Endpoint</th>}
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {props.deliveries.map((d) => (
          <tr>
            <td data-label="Delivery">
              <a href={`/deliveries/${d.id}`}>{d.id}</a>
              {d.isTest && <span class="tag">test</span>}
            </td>
            <td data-label="Event">
              <code>{d.eventType}</code>
            </td>
            {props.showEndpoint !== false && (
              <td data-label="Endpoint" class="url">
                {d.endpointId === null ? <span class="muted">callback: </span> : null}
                {d.url}
              </td>
            )}
            <td data-label="Status">
              <DeliveryStatus status={d.status} />
              {d.lastError && d.status !== "succeeded" && <div class="small">{d.lastError}</div>}
              {d.status === "pending" && d.nextAttemptAt !== null && (
                <div class="small">
                  next <When ms={d.nextAttemptAt} now={props.now} />
                </div>
              )}
            </td>
            <td data-label="Attempts">{d.attemptCount}</td>
            <td data-label="Created">
              <When ms={d.createdAt} now={props.now} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
