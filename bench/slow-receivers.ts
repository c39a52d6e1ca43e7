#!/usr/bin/env bun
/**
 * Many slow subscribers in one process: `count` Bun.serve listeners, each on
 * its own loopback port (so each is a distinct origin to hookgate's HTTP
 * client), each answering 200 after `delay` ms. Counts distinct webhook-ids
 * and the most requests it held at once (how many of hookgate's slots were
 * really in use).
 *
 *   bun bench/slow-receivers.ts --count 1000 --delay 50
 *
 * Prints {"ready":true,"ports":[...],"control":PORT}. Control: GET /__stats,
 * POST /__reset, GET /__wait?count=N&timeout=MS on the control port.
 */
import { parseArgs } from "node:util";
import { nowMs } from "./stats.ts";
import { CountWaiters } from "./count-waiters.ts";

const { values } = parseArgs({ options: { count: { type: "string" }, delay: { type: "string" } } });
const count = Number(values.count ?? 1000);
const delay = Number(values.delay ?? 50);

let seen = new Set<string>();
/** Connections (server port, client port) seen since the last reset: how many the sender opened. */
let peers = new Set<string>();
let requests = 0;
let duplicates = 0;
let holding = 0;
let maxHolding = 0;
let firstAt = 0;
let lastAt = 0;
const waiters = new CountWaiters();

const stats = () => ({ requests, unique: seen.size, duplicates, connections: peers.size, max_in_flight: maxHolding, first_at: firstAt, last_at: lastAt });

async function hook(req: Request, server: import("bun").Server<undefined>): Promise<Response> {
  const arrived = nowMs();
  peers.add(`${server.port}:${server.requestIP(req)?.port}`);
  if (firstAt === 0) firstAt = arrived;
  requests++;
  holding++;
  maxHolding = Math.max(maxHolding, holding);
  await req.arrayBuffer();
  await Bun.sleep(delay);
  holding--;
  lastAt = nowMs();
  const id = req.headers.get("webhook-id") ?? "";
  if (seen.has(id)) duplicates++;
  else seen.add(id);
  waiters.seen(seen.size);
  return new Response(null, { status: 200 });
}

const ports: number[] = [];
for (let i = 0; i < count; i++) {
  ports.push(Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: hook }).port!);
}

const control = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  // /__wait holds its request until the count is reached: no idle cut-off.
  idleTimeout: 0,
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/__reset" && req.method === "POST") {
      seen = new Set();
      peers = new Set();
      requests = duplicates = maxHolding = firstAt = lastAt = 0;
      return Response.json(stats());
    }
    if (url.pathname === "/__stats") return Response.json(stats());
    if (url.pathname === "/__wait") {
      const want = Number(url.searchParams.get("count"));
      const timeout = Number(url.searchParams.get("timeout") ?? 60_000);
      await waiters.wait(want, timeout, () => seen.size);
      return Response.json(stats());
    }
    return new Response("unknown control path", { status: 404 });
  },
});

console.log(JSON.stringify({ ready: true, ports, control: control.port }));
