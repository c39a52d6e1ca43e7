#!/usr/bin/env bun
/**
 * The fast local webhook receiver, run as its own process so that it never
 * competes with the orchestrator's event loop. It answers every webhook 200
 * at once on a keep-alive connection, counts arrivals and duplicates (by
 * webhook-id) and, when asked, records arrival minus the send time that the
 * load generator put into the event's `data.sent_at` (both read with
 * performance.timeOrigin + performance.now(), see stats.ts).
 *
 * Control, on the same port:
 *   POST /__reset?latency=1   forget everything; record latencies from now on
 *   GET  /__stats             counts, first/last arrival, latency summary
 *   GET  /__wait?count=N&timeout=MS   answers once N distinct webhook-ids arrived (or at the timeout)
 *
 * Prints {"ready":true,"port":N} when listening.
 */
import { nowMs, summarize } from "./stats.ts";
import { CountWaiters } from "./count-waiters.ts";

let seen = new Set<string>();
/** Client ports seen since the last reset: how many connections the sender opened. */
let peers = new Set<number>();
let requests = 0;
let duplicates = 0;
let missingId = 0;
let firstAt = 0;
let lastAt = 0;
let recordLatency = false;
let latencies: number[] = [];
let badBodies = 0;
const waiters = new CountWaiters();

function stats() {
  return {
    requests,
    unique: seen.size,
    duplicates,
    connections: peers.size,
    missing_id: missingId,
    bad_bodies: badBodies,
    first_at: firstAt,
    last_at: lastAt,
    latency_ms: recordLatency ? summarize(latencies) : null,
  };
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req, server) {
    const arrived = nowMs();
    const url = req.url;
    const pathStart = url.indexOf("/", 8);
    if (url.startsWith("/__", pathStart)) return control(new URL(url), req);

    requests++;
    peers.add(server.requestIP(req)?.port ?? 0);
    if (firstAt === 0) firstAt = arrived;
    lastAt = arrived;
    const body = await req.text();
    const id = req.headers.get("webhook-id");
    if (id === null) missingId++;
    else if (seen.has(id)) duplicates++;
    else {
      seen.add(id);
      if (recordLatency) {
        const sentAt = (JSON.parse(body) as { data?: { sent_at?: unknown } }).data?.sent_at;
        if (typeof sentAt === "number") latencies.push(arrived - sentAt);
        else badBodies++;
      }
      waiters.seen(seen.size);
    }
    return new Response(null, { status: 200 });
  },
});

async function control(url: URL, req: Request): Promise<Response> {
  if (url.pathname === "/__reset" && req.method === "POST") {
    seen = new Set();
    peers = new Set();
    requests = duplicates = missingId = badBodies = firstAt = lastAt = 0;
    latencies = [];
    recordLatency = url.searchParams.get("latency") === "1";
    return Response.json(stats());
  }
  if (url.pathname === "/__stats") return Response.json(stats());
  if (url.pathname === "/__wait") {
    const count = Number(url.searchParams.get("count"));
    const timeout = Number(url.searchParams.get("timeout") ?? 60_000);
    await waiters.wait(count, timeout, () => seen.size);
    return Response.json(stats());
  }
  return new Response("unknown control path", { status: 404 });
}

console.log(JSON.stringify({ ready: true, port: server.port }));
