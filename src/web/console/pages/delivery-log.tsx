/** @jsxImportSource hono/jsx */
/**
 * /deliveries: the delivery log with filters (GET query parameters, so a
 * filtered view can be bookmarked), newest first with cursor pagination,
 * and one delivery with every attempt and the Retry button.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Endpoint } from "../../../domain/model.ts";
import { deliveryStatusSchema } from "../../../operations/input/delivery.ts";
import { parseInput } from "../../../operations/input/parse.ts";
import { pageQuery } from "../../../operations/paging.ts";
import { refusalText } from "../../refusal.ts";
import type { SessionStore } from "../../session.ts";
import type { WebEnv } from "../../web-env.ts";
import type { PageDeps } from "../console-deps.ts";
import { Layout } from "../layout.tsx";
import { DeliveryPage } from "./delivery.tsx";
import { DeliveryList } from "./delivery-list.tsx";

const PAGE_SIZE = 50;
/** Endpoints offered in the filter; beyond this, the endpoint's own page links to its log. */
const FILTER_ENDPOINTS = 200;

export function deliveryLogPages(deps: PageDeps, sessions: SessionStore) {
  const { ops, clock } = deps;
  const filterQuery = z.strictObject({
    cursor: pageQuery("dlv").cursor,
    status: deliveryStatusSchema.optional(),
    endpoint_id: z.string().max(64).optional(),
    event_type: z.string().max(256).optional(),
  });
  const app = new Hono<WebEnv>();

  app.get("/", async (c) => {
    // An empty select or text box means "any": drop it before validating.
    const params = Object.fromEntries([...new URL(c.req.url).searchParams].filter(([, v]) => v !== ""));
    const q = parseInput(filterQuery, params);
    const principal = c.get("principal");
    const shown = await ops.deliveries.list(principal, { limit: PAGE_SIZE, cursor: q.cursor, status: q.status, endpointId: q.endpoint_id, eventType: q.event_type });
    const endpoints = await ops.endpoints.list(principal, { limit: FILTER_ENDPOINTS });
    const session = c.get("session");
    const { cursor: _, ...filters } = q;
    const older = shown.nextCursor ? `/deliveries?${new URLSearchParams({ ...clean(filters), cursor: shown.nextCursor })}` : null;
    return c.html(
      <Layout title="Delivery log" nav="deliveries" csrf={session.csrfToken} flash={sessions.takeFlash(session)}>
        <h1>Delivery log</h1>
        <Filters endpoints={endpoints.items} eventTypes={deps.config.event_types.map((t) => t.name)} values={filters} />
        <DeliveryList deliveries={shown.items} now={clock.now()} filtered={Object.keys(clean(filters)).length > 0 || q.cursor !== undefined} />
        <p class="pager">
          {q.cursor && <a href={`/deliveries?${new URLSearchParams(clean(filters))}`}>← Newest</a>}
          {older && <a href={older}>Older →</a>}
        </p>
      </Layout>,
    );
  });

  app.get("/:id", async (c) => {
    const principal = c.get("principal");
    const { delivery, attempts } = await ops.deliveries.get(principal, c.req.param("id"));
    const { event, endpoint } = await ops.deliveries.origin(principal, delivery);
    const session = c.get("session");
    return c.html(
      <DeliveryPage delivery={delivery} attempts={attempts} event={event} endpoint={endpoint} csrf={session.csrfToken} flash={sessions.takeFlash(session)} now={clock.now()} />,
    );
  });

  app.post("/:id/retry", async (c) => {
    const id = c.req.param("id");
    try {
      await ops.deliveries.retry(c.get("principal"), id);
      c.get("session").flash = { kind: "ok", text: "Queued again; the attempt is made now." };
    } catch (err) {
      c.get("session").flash = { kind: "error", text: refusalText(err) };
    }
    return c.redirect(`/deliveries/${id}`, 303);
  });

  return app;
}

function clean(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

function Filters(props: { endpoints: Endpoint[]; eventTypes: string[]; values: { status?: string | undefined; endpoint_id?: string | undefined; event_type?: string | undefined } }) {
  const v = props.values;
  return (
    <form method="get" action="/deliveries" class="card filters">
      <div>
        <label for="f-endpoint">Endpoint</label>
        <select id="f-endpoint" name="endpoint_id">
          <option value="">any</option>
          {props.endpoints.map((e) => (
            <option value={e.id} selected={v.endpoint_id === e.id}>
              {e.url}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-status">Status</label>
        <select id="f-status" name="status">
          <option value="">any</option>
          {["pending", "succeeded", "failed"].map((s) => (
            <option value={s} selected={v.status === s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="f-type">Event type</label>
        {props.eventTypes.length > 0 ? (
          <select id="f-type" name="event_type">
            <option value="">any</option>
            {props.eventTypes.map((t) => (
              <option value={t} selected={v.event_type === t}>
                {t}
              </option>
            ))}
          </select>
        ) : (
          <input id="f-type" name="event_type" value={v.event_type ?? ""} placeholder="e.g. message.delivered" />
        )}
      </div>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Filter
        </button>
        <a href="/deliveries">Clear</a>
      </div>
    </form>
  );
}
