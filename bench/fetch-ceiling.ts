#!/usr/bin/env bun
/**
 * The delivery ceiling: what plain signed fetch POSTs reach against the same
 * receiver at the same concurrency as hookgate's dispatcher, with no storage
 * at all. Each request is what hookgate sends (the same payload size, both
 * signatures computed per request with the same functions, the same headers),
 * and each response body is read to the end.
 *
 *   bun bench/fetch-ceiling.ts --url http://127.0.0.1:PORT/hook --count 100000 --concurrency 256
 *
 * Prints one JSON line: {"count","seconds","per_second","failures"}.
 */
import { parseArgs } from "node:util";
import { generateSecret } from "../src/domain/secret.ts";
import { simpleSignature, standardSignatureHeader } from "../src/domain/signature.ts";
import { formatRfc3339 } from "../src/domain/rfc3339.ts";

const { values } = parseArgs({
  options: { url: { type: "string" }, count: { type: "string" }, concurrency: { type: "string" } },
});
if (!values.url || !values.count || !values.concurrency) {
  process.stderr.write("usage: bun bench/fetch-ceiling.ts --url URL --count N --concurrency C\n");
  process.exit(64);
}
const url = values.url;
const count = Number(values.count);
const concurrency = Number(values.concurrency);
const secret = generateSecret((n) => crypto.getRandomValues(new Uint8Array(n)));
const stem = `evt_01JBENCH${Math.random().toString(36).slice(2, 8).toUpperCase().padEnd(6, "0")}`;
const timestamp = formatRfc3339(Date.now(), "seconds");

let next = 0;
let failures = 0;

async function worker(): Promise<void> {
  while (next < count) {
    const i = next++;
    const id = stem + String(i).padStart(10, "0");
    const body = `{"id":"${id}","event":"message.delivered","timestamp":"${timestamp}","data":{"message_id":"msg_${i}","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}`;
    const seconds = Math.floor(Date.now() / 1000);
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "hookgate-bench",
        "webhook-id": id,
        "webhook-timestamp": String(seconds),
        "webhook-signature": standardSignatureHeader([secret], id, seconds, body),
        "x-webhook-signature": simpleSignature(secret, body),
      },
      body,
      redirect: "manual",
    });
    await res.arrayBuffer();
    if (res.status < 200 || res.status > 299) failures++;
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ count, seconds, per_second: count / seconds, failures }));
