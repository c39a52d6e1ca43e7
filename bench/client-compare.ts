#!/usr/bin/env bun
/**
 * Which HTTP client should hookgate deliver with? Measures candidate clients
 * on the two shapes that matter, against receivers in their own processes:
 *
 *   wide:   1000 origins (distinct ports), each answering after 50 ms, 256 in flight.
 *           The bound is 256 / 50 ms = 5,120 requests/s.
 *   narrow: one fast origin, 256 in flight (the single-endpoint drain).
 *
 * Clients:
 *   fetch        Bun's fetch, as hookgate used it before issue 6 (one process). Its idle
 *                keep-alive pool holds 64 connections per process
 *                (oven-sh/bun#42608); a request finding no idle connection
 *                to its origin opens a new one.
 *   node-http    node:http with a keep-alive Agent per origin (maxSockets 256,
 *                as hookgate would set it to max_in_flight_per_endpoint).
 *   raw          a minimal HTTP/1.1 client on Bun.connect with an idle pool
 *                per origin and no global cap; enough for these receivers
 *                (Content-Length bodies), not a production client.
 *   hookgate     hookgate's own client (src/http-client/http-client.ts): HTTP/1.1
 *                on Bun.connect, idle pool per origin, address guard,
 *                per-origin cap 256, the default 4 KiB body limit.
 *   fetch×4      fetch in 4 worker processes, origins sharded by port, 64 in
 *                flight each: four idle pools instead of one.
 *
 * For each: requests/s, connections the receivers saw (distinct client
 * ports: the exact count of connections opened), sockets in TIME_WAIT on the
 * receiver ports afterwards (earlier clients' included; they last 60 s), and
 * failures.
 *
 *   bun bench/client-compare.ts [--requests 20000] [--only fetch,raw,hookgate] [--shape wide,narrow]
 */
import { Agent, request as httpRequest } from "node:http";
import { parseArgs } from "node:util";
import { createHttpClient } from "../src/http-client/http-client.ts";
import { cleanup, installCleanupHandlers, spawnTracked } from "./children.ts";
import { jsonChild } from "./child-io.ts";
import { int } from "./report.ts";
import { timeWaitCount } from "./stats.ts";

const IN_FLIGHT = 256;
const WIDE_ORIGINS = 1000;
const WIDE_DELAY_MS = 50;

type Send = (url: string, body: string) => Promise<number>;

const BODY = `{"id":"evt_01JBENCH0000000000000000000","event":"message.delivered","timestamp":"2026-01-01T00:00:00Z","data":{"message_id":"msg_1","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}`;
const HEADERS = { "content-type": "application/json", "webhook-id": "evt_x" };

/** Bun's fetch, body read to the end. */
const fetchSend: Send = async (url, body) => {
  const res = await fetch(url, { method: "POST", headers: HEADERS, body });
  await res.arrayBuffer();
  return res.status;
};

/** node:http with one keep-alive Agent per origin. */
function nodeHttpSend(): Send {
  const agents = new Map<string, Agent>();
  return (url, body) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      let agent = agents.get(u.host);
      if (!agent) agents.set(u.host, (agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT })));
      const req = httpRequest(
        { host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent, headers: { ...HEADERS, "content-length": Buffer.byteLength(body) } },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
}

/** A bare HTTP/1.1 client on Bun.connect: an idle socket pool per origin, Content-Length responses only. */
function rawSend(): Send {
  interface Conn {
    socket: import("bun").Socket<Conn>;
    buffer: string;
    done: ((status: number) => void) | null;
    fail: ((err: Error) => void) | null;
  }
  const idle = new Map<string, Conn[]>();
  const tryComplete = (conn: Conn) => {
    const end = conn.buffer.indexOf("\r\n\r\n");
    if (end < 0) return;
    const head = conn.buffer.slice(0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (conn.buffer.length < end + 4 + length) return;
    conn.buffer = conn.buffer.slice(end + 4 + length);
    const done = conn.done!;
    conn.done = conn.fail = null;
    done(Number(head.slice(9, 12)));
  };
  const open = (host: string, port: number) =>
    new Promise<Conn>((resolve, reject) => {
      const conn: Conn = { socket: null as never, buffer: "", done: null, fail: null };
      Bun.connect<Conn>({
        hostname: host,
        port,
        data: conn,
        socket: {
          open(socket) {
            conn.socket = socket;
            resolve(conn);
          },
          data(socket, chunk) {
            socket.data.buffer += chunk.toString("latin1");
            tryComplete(socket.data);
          },
          close(socket) {
            socket.data.fail?.(new Error("connection closed"));
            const list = idle.get(`${host}:${port}`);
            const i = list?.indexOf(socket.data) ?? -1;
            if (i >= 0) list!.splice(i, 1);
          },
          error(socket, err) {
            socket.data.fail?.(err);
          },
          connectError(_socket, err) {
            reject(err);
          },
        },
      });
    });
  return async (url, body) => {
    const u = new URL(url);
    const key = u.host;
    const conn = idle.get(key)?.pop() ?? (await open(u.hostname, Number(u.port)));
    const status = await new Promise<number>((resolve, reject) => {
      conn.done = resolve;
      conn.fail = reject;
      conn.socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${key}\r\nContent-Type: application/json\r\nWebhook-Id: evt_x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    let list = idle.get(key);
    if (!list) idle.set(key, (list = []));
    list.push(conn);
    return status;
  };
}

/** hookgate's delivery client, as the daemon uses it (loopback allowed, as in the bench config). */
function hookgateSend(): Send {
  const client = createHttpClient({ allowPrivateNetworks: true, maxSocketsPerOrigin: IN_FLIGHT });
  return async (url, body) => {
    const r = await client.send({ url, headers: HEADERS, body, timeoutMs: 30_000, responseBodyLimit: 4096 });
    if (r.error) throw new Error(r.error.message);
    return r.statusCode ?? 0;
  };
}

/** Sends `count` requests over `urls` round-robin with `inFlight` at a time; answers requests/s and failures. */
async function drive(send: Send, urls: string[], count: number, inFlight: number): Promise<{ perSecond: number; failures: number; seconds: number }> {
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        try {
          const status = await send(urls[i % urls.length]!, BODY);
          if (status !== 200) failures++;
        } catch {
          failures++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, failures, seconds };
}

// Worker mode: `--worker --urls a,b,c --count N --in-flight K` drives fetch and prints one JSON line.
const { values } = parseArgs({
  options: {
    worker: { type: "boolean", default: false },
    urls: { type: "string" },
    count: { type: "string" },
    "in-flight": { type: "string" },
    requests: { type: "string" },
    only: { type: "string" },
    shape: { type: "string" },
  },
});

if (values.worker) {
  const r = await drive(fetchSend, values.urls!.split(","), Number(values.count), Number(values["in-flight"]));
  console.log(JSON.stringify(r));
  process.exit(0);
}

/** fetch in `workers` processes, origins sharded among them. */
async function fetchWorkers(urls: string[], count: number, workers: number): Promise<{ perSecond: number; failures: number; seconds: number }> {
  const started = performance.now();
  // Fewer origins than workers (narrow): every worker sends to all of them.
  const shards = Array.from({ length: workers }, (_, w) => (urls.length < workers ? urls : urls.filter((_, i) => i % workers === w)));
  const results = await Promise.all(
    shards.map(async (shard) => {
      const child = jsonChild(
        spawnTracked([process.execPath, import.meta.path, "--worker", "--urls", shard.join(","), "--count", String(Math.ceil(count / workers)), "--in-flight", String(IN_FLIGHT / workers)]),
        "fetch-worker",
      );
      return child.line((r) => typeof r.perSecond === "number", 300_000, "worker result");
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: (Math.ceil(count / workers) * workers) / seconds, failures: results.reduce((n, r) => n + r.failures, 0), seconds };
}

installCleanupHandlers();
const requests = Number(values.requests ?? 20_000);
const clients = (values.only ?? "fetch,node-http,raw,hookgate,fetch×4").split(",");
const shapes = (values.shape ?? "wide,narrow").split(",");

try {
  const slow = jsonChild(spawnTracked([process.execPath, `${import.meta.dir}/slow-receivers.ts`, "--count", String(WIDE_ORIGINS), "--delay", String(WIDE_DELAY_MS)]), "slow-receivers");
  const fast = jsonChild(spawnTracked([process.execPath, `${import.meta.dir}/receiver.ts`]), "receiver");
  const slowReady = await slow.line((r) => r.ready === true, 30_000, "ready line");
  const fastReady = await fast.line((r) => r.ready === true, 30_000, "ready line");
  const wideUrls = (slowReady.ports as number[]).map((p) => `http://127.0.0.1:${p}/hook`);
  const wideTw = new Set(slowReady.ports as number[]);
  const narrowUrls = [`http://127.0.0.1:${fastReady.port}/hook`];
  const narrowTw = new Set([fastReady.port as number]);
  const slowControl = `http://127.0.0.1:${slowReady.control}`;
  const fastControl = `http://127.0.0.1:${fastReady.port}`;

  console.log(`clients: ${requests} requests each, ${IN_FLIGHT} in flight; wide = ${WIDE_ORIGINS} origins × ${WIDE_DELAY_MS} ms (bound ${int(IN_FLIGHT / (WIDE_DELAY_MS / 1000))}/s), narrow = 1 fast origin`);
  for (const shape of shapes) {
    const urls = shape === "wide" ? wideUrls : narrowUrls;
    const ports = shape === "wide" ? wideTw : narrowTw;
    for (const client of clients) {
      await fetch(`${shape === "wide" ? slowControl : fastControl}/__reset`, { method: "POST" });
      const r =
        client === "fetch" ? await drive(fetchSend, urls, requests, IN_FLIGHT)
        : client === "node-http" ? await drive(nodeHttpSend(), urls, requests, IN_FLIGHT)
        : client === "raw" ? await drive(rawSend(), urls, requests, IN_FLIGHT)
        : client === "hookgate" ? await drive(hookgateSend(), urls, requests, IN_FLIGHT)
        : client === "fetch×4" ? await fetchWorkers(urls, requests, 4)
        : null;
      if (r === null) throw new Error(`unknown client ${client}`);
      const tw = timeWaitCount(ports);
      const got = (await (await fetch(`${shape === "wide" ? slowControl : fastControl}/__stats`)).json()) as { connections: number };
      console.log(
        `${shape.padEnd(6)} ${client.padEnd(9)} ${int(r.perSecond).padStart(7)} req/s  ${r.seconds.toFixed(1).padStart(5)} s  ` +
          `connections ${String(got.connections).padStart(6)}  TIME_WAIT now ${String(tw).padStart(6)}  failures ${r.failures}`,
      );
    }
  }
} finally {
  await cleanup();
}
