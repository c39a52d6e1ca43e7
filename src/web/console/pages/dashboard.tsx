/** @jsxImportSource hono/jsx */
/**
 * The dashboard at /: success rate and latency per endpoint, charts of
 * volume, failures and p95 latency over the window, the pending backlog and
 * the endpoints failing now. Every figure comes from the store's stats
 * (test sends left out), through the same operations as GET /v1/stats.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { BacklogSnapshot, Endpoint, StatsFigures, StatsReport, StatsWindow } from "../../../domain/model.ts";
import { parseInput } from "../../../operations/input/parse.ts";
import { statsWindowSchema } from "../../../operations/input/stats.ts";
import { LatencyChart, VolumeChart } from "../../charts.tsx";
import { age, Badge, duration, percent, When } from "../../format.tsx";
import type { WebEnv } from "../../web-env.ts";
import type { PageDeps } from "../console-deps.ts";
import { Layout } from "../layout.tsx";

const WINDOWS: StatsWindow[] = statsWindowSchema.options;
/** Endpoints looked up to show their URLs beside their figures. */
const URL_LOOKUP = 1000;

export function dashboardPages(deps: PageDeps) {
  const { ops, clock } = deps;
  const query = z.strictObject({ window: statsWindowSchema.default("24h") });
  const app = new Hono<WebEnv>();

  app.get("/", async (c) => {
    const { window } = parseInput(query, Object.fromEntries(new URL(c.req.url).searchParams));
    const now = clock.now();
    const principal = c.get("principal");
    const [report, backlog, endpoints] = await Promise.all([
      ops.stats.report(principal, { window }),
      ops.stats.backlog(principal),
      ops.endpoints.list(principal, { limit: URL_LOOKUP }),
    ]);
    const urls = new Map(endpoints.items.map((e) => [e.id, e]));
    const session = c.get("session");
    return c.html(
      <Layout title="Dashboard" nav="dashboard" csrf={session.csrfToken}>
        <div class="title-row">
          <h1>Dashboard</h1>
          <nav class="windows" aria-label="Time window">
            {WINDOWS.map((w) => (
              <a href={`/?window=${w}`} aria-current={w === window ? "page" : undefined}>
                {`last ${w}`}
              </a>
            ))}
          </nav>
        </div>
        {endpoints.items.length === 0 && (
          <p class="card">
            <strong>Start here:</strong> no webhooks yet. <a href="/webhooks#add">Add a webhook</a> (the URL that receives events, and which events),
            press its Test button, then POST your events to <code>/v1/events</code>; this page then shows how their deliveries go.
          </p>
        )}
        <Summary report={report} backlog={backlog} now={now} />
        <div class="charts">
          <section class="card">
            <h2>Attempts and failures</h2>
            <p class="legend small">
              <span class="key ok-key" aria-hidden="true"></span> succeeded <span class="key fail-key" aria-hidden="true"></span> failed (hatched)
            </p>
            <VolumeChart series={report.totals.series} bucketMs={report.bucketMs} />
          </section>
          <section class="card">
            <h2>p95 latency</h2>
            <p class="legend small">Slowest 5 % of attempts took longer than the line.</p>
            <LatencyChart series={report.totals.series} bucketMs={report.bucketMs} />
          </section>
        </div>
        <FailingNow backlog={backlog} now={now} />
        <EndpointTable report={report} endpoints={urls} />
      </Layout>,
    );
  });

  return app;
}

function Summary(props: { report: StatsReport; backlog: BacklogSnapshot; now: number }) {
  const t = props.report.totals;
  const b = props.backlog;
  return (
    <div class="tiles">
      <Tile label="Success rate" value={percent(t.successRate)} note={`${t.attempts - t.failedAttempts} of ${t.attempts} attempts`} tone={rateTone(t.successRate)} />
      <Tile label="Latency p50 / p95 / p99" value={duration(t.attemptLatencyMs.p95)} note={`${duration(t.attemptLatencyMs.p50)} / ${duration(t.attemptLatencyMs.p95)} / ${duration(t.attemptLatencyMs.p99)}`} />
      <Tile label="Time to delivery p95" value={duration(t.timeToDeliveryMs.p95)} note="event accepted → 2xx received" />
      <Tile label="Deliveries" value={String(t.deliveries.succeeded + t.deliveries.failed + t.deliveries.pending)} note={`${t.deliveries.succeeded} succeeded · ${t.deliveries.failed} failed · ${t.deliveries.pending} pending`} />
      <Tile
        label="Pending backlog"
        value={String(b.pending)}
        note={b.oldestPendingCreatedAt === null ? "nothing waiting" : `oldest created ${age(b.oldestPendingCreatedAt, props.now)}`}
        tone={b.pending > 0 ? "warn" : "ok"}
      />
      <Tile label="Webhooks" value={`${b.endpointsByState.enabled} enabled`} note={`${b.endpointsByState.disabled} disabled · ${b.failing.length} failing now`} tone={b.failing.length > 0 ? "bad" : "ok"} />
    </div>
  );
}

function Tile(props: { label: string; value: string; note: string; tone?: "ok" | "bad" | "warn" }) {
  return (
    <section class={`tile ${props.tone ?? ""}`}>
      <h2>{props.label}</h2>
      <p class="value">{props.value}</p>
      <p class="small">{props.note}</p>
    </section>
  );
}

function rateTone(rate: number | null): "ok" | "bad" | "warn" | undefined {
  if (rate === null) return undefined;
  return rate >= 0.99 ? "ok" : rate >= 0.9 ? "warn" : "bad";
}

function FailingNow(props: { backlog: BacklogSnapshot; now: number }) {
  const failing = props.backlog.failing;
  return (
    <section>
      <h2>Failing now</h2>
      {failing.length === 0 ? (
        <p class="card">
          <Badge tone="ok">no webhook is failing</Badge>
        </p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Failing since</th>
              <th scope="col">Failures in a row</th>
              <th scope="col">State</th>
              <th scope="col">Last success</th>
            </tr>
          </thead>
          <tbody>
            {failing.map((e) => (
              <tr>
                <td data-label="Endpoint" class="url">
                  <a href={`/webhooks/${e.id}`}>{e.url}</a>
                </td>
                <td data-label="Failing since">
                  <Badge tone="bad">failing</Badge> <When ms={e.failingSince} now={props.now} />
                </td>
                <td data-label="Failures in a row">{e.consecutiveFailures}</td>
                <td data-label="State">{e.state === "enabled" ? "enabled" : `disabled (${e.disabledReason})`}</td>
                <td data-label="Last success">
                  <When ms={e.lastSuccessAt} now={props.now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function EndpointTable(props: { report: StatsReport; endpoints: Map<string, Endpoint> }) {
  const rows = props.report.endpoints;
  return (
    <section>
      <h2>By endpoint</h2>
      {rows.length === 0 ? (
        <p class="card muted">No deliveries in this window.</p>
      ) : (
        <table class="stack">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Success rate</th>
              <th scope="col">Attempts</th>
              <th scope="col">Latency p50 / p95 / p99</th>
              <th scope="col">Deliveries</th>
              <th scope="col">Failures by cause</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const e = r.endpointId === null ? null : props.endpoints.get(r.endpointId);
              return (
                <tr>
                  <td data-label="Endpoint" class="url">
                    {r.endpointId === null ? <span class="muted">one-off callback_url</span> : e ? <a href={`/webhooks/${e.id}`}>{e.url}</a> : r.endpointId}
                  </td>
                  <td data-label="Success rate">
                    <Rate figures={r} />
                  </td>
                  <td data-label="Attempts">{`${r.attempts} (${r.failedAttempts} failed)`}</td>
                  <td data-label="Latency p50 / p95 / p99">{`${duration(r.attemptLatencyMs.p50)} / ${duration(r.attemptLatencyMs.p95)} / ${duration(r.attemptLatencyMs.p99)}`}</td>
                  <td data-label="Deliveries">{`${r.deliveries.succeeded} ✓ · ${r.deliveries.failed} ✗ · ${r.deliveries.pending} pending`}</td>
                  <td data-label="Failures by cause">
                    {Object.entries(r.failuresByError).length === 0
                      ? "—"
                      : Object.entries(r.failuresByError)
                          .map(([k, n]) => `${k} ${n}`)
                          .join(", ")}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Rate(props: { figures: StatsFigures }) {
  const tone = rateTone(props.figures.successRate);
  if (tone === undefined) return <span class="muted">—</span>;
  return <Badge tone={tone}>{percent(props.figures.successRate)}</Badge>;
}
