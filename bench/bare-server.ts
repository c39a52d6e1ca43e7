#!/usr/bin/env bun
/**
 * The ingest ceiling: a bare Bun.serve that reads the same request body as
 * hookgate's POST /v1/events and answers 202 with a body of the same shape,
 * and does nothing else (no validation, no storage). Loaded by wrk exactly
 * like hookgate, it shows what this machine's HTTP stack alone allows.
 *
 * Prints {"ready":true,"port":N} when listening.
 */
const ANSWER = JSON.stringify({
  id: "evt_01JBENCH0000000000000000000",
  deliveries: [{ id: "dlv_01JBENCH0000000000000000000", endpoint_id: "ep_01JBENCH0000000000000000000" }],
});

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    await req.text();
    return new Response(ANSWER, { status: 202, headers: { "content-type": "application/json" } });
  },
});

console.log(JSON.stringify({ ready: true, port: server.port }));
