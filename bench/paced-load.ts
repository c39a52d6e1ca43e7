#!/usr/bin/env bun
/**
 * A constant-rate event source for the end-to-end latency run (wrk2 is not
 * packaged): POST /v1/events at `rate` per second, evenly paced, for
 * `seconds`, over fetch's keep-alive connections. Each event carries its
 * send time in `data.sent_at` (performance.timeOrigin + performance.now(),
 * taken just before the request goes out), which the receiver subtracts from
 * its arrival time.
 *
 * Pacing: a 1 ms interval timer sends every event whose slot has come,
 * so a late tick catches up instead of lowering the rate.
 *
 *   bun bench/paced-load.ts --url http://127.0.0.1:PORT --token T --rate 1000 --seconds 10
 *
 * Prints one JSON line: sent, accepted, rejected, achieved rate, ingest latency, worst lag behind the schedule.
 */
import { parseArgs } from "node:util";
import { nowMs, summarize } from "./stats.ts";

const { values } = parseArgs({
  options: { url: { type: "string" }, token: { type: "string" }, rate: { type: "string" }, seconds: { type: "string" } },
});
if (!values.url || !values.token || !values.rate || !values.seconds) {
  process.stderr.write("usage: bun bench/paced-load.ts --url URL --token TOKEN --rate PER_S --seconds S\n");
  process.exit(64);
}
const target = `${values.url}/v1/events`;
const headers = { authorization: `Bearer ${values.token}`, "content-type": "application/json" };
const rate = Number(values.rate);
const total = Math.round(rate * Number(values.seconds));

let sent = 0;
let accepted = 0;
const rejected: string[] = [];
const ingestMs: number[] = [];
let worstLag = 0;
let inFlight = 0;
let maxInFlight = 0;

async function send(i: number): Promise<void> {
  const sentAt = nowMs();
  const body = `{"type":"message.delivered","data":{"sent_at":${sentAt},"message_id":"msg_${i}","phone":"255712345678","status":"delivered","sender_id":"SAKURA"}}`;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  try {
    const res = await fetch(target, { method: "POST", headers, body });
    const text = await res.text();
    if (res.status === 202) accepted++;
    else if (rejected.length < 5) rejected.push(`${res.status} ${text.slice(0, 200)}`);
    else rejected.push("");
  } catch (err) {
    rejected.push(String(err));
  } finally {
    inFlight--;
    ingestMs.push(nowMs() - sentAt);
  }
}

const pending: Promise<void>[] = [];
const start = nowMs();
await new Promise<void>((done) => {
  const timer = setInterval(() => {
    const elapsed = nowMs() - start;
    const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
    if (due > sent) worstLag = Math.max(worstLag, elapsed - (sent * 1000) / rate);
    while (sent < due) pending.push(send(sent++));
    if (sent >= total) {
      clearInterval(timer);
      done();
    }
  }, 1);
});
const sendSeconds = (nowMs() - start) / 1000;
await Promise.all(pending);
console.log(
  JSON.stringify({
    sent,
    accepted,
    rejected: rejected.length,
    rejected_samples: rejected.filter((r) => r !== "").slice(0, 5),
    rate: sent / sendSeconds,
    ingest_ms: summarize(ingestMs),
    worst_lag_ms: worstLag,
    max_in_flight: maxInFlight,
  }),
);
