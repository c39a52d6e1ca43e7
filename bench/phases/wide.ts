/**
 * Wide and slow: `wideEndpoints` endpoints on as many ports (distinct
 * origins), each answering after `wideDelayMs`; `wideEvents` events fanned
 * out so that each goes to exactly one endpoint. Routing is by tenant: one
 * tenant per endpoint, and each event names its tenant. That keeps ingest's
 * matching to one indexed lookup per event (an event type per endpoint
 * would make every event test a thousand patterns, measuring ingest instead
 * of delivery). With every origin slow, throughput is bounded by the slots:
 * concurrency ÷ delay.
 */
import { spawnBunScript, type BenchContext } from "../context.ts";
import { BENCH_CONCURRENCY, failedAttempts } from "../daemon.ts";
import { seedDataDir } from "../seed-backlog.ts";
import { nowMs, timeWaitCount } from "../stats.ts";
import { eventJson } from "./ingest.ts";

export interface WideResult {
  endpoints: number;
  events: number;
  seconds: number;
  perSecond: number;
  /** Slots ÷ delay: the most any client could do. */
  boundPerSecond: number;
  ingestSeconds: number;
  maxInFlight: number;
  /** Connections hookgate opened to the slow receivers. */
  connections: number;
  timeWaitBefore: number;
  timeWaitMax: number;
  timeWaitAfter: number;
  duplicates: number;
  failedAttempts: number;
}

export async function runWide(ctx: BenchContext): Promise<WideResult> {
  const { wideEndpoints: endpoints, wideEvents: events, wideDelayMs: delay } = ctx.sizes;
  const slow = spawnBunScript("slow-receivers.ts", ["--count", String(endpoints), "--delay", String(delay)]);
  const ready = await slow.line((r) => r.ready === true, 30_000, "slow receivers ready line");
  const ports = ready.ports as number[];
  const control = `http://127.0.0.1:${ready.control}`;
  const dir = ctx.dataDir("wide");
  await seedDataDir(dir, ctx.receiver.hookUrl);
  const daemon = await ctx.startDaemon("wide", dir);
  try {
    ctx.progress(`wide and slow: creating ${endpoints} endpoints`);
    let nextEndpoint = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (nextEndpoint < endpoints) {
          const i = nextEndpoint++;
          await daemon.api("POST", "/v1/endpoints", { tenant: `w${i}`, url: `http://127.0.0.1:${ports[i]}/hook` }, 201);
        }
      }),
    );

    const portSet = new Set(ports);
    const timeWaitBefore = timeWaitCount(portSet);
    let timeWaitMax = timeWaitBefore;
    const sampler = setInterval(() => (timeWaitMax = Math.max(timeWaitMax, timeWaitCount(portSet))), 250);
    ctx.progress(`wide and slow: ${events.toLocaleString("en-US")} events to ${endpoints} endpoints answering after ${delay} ms`);
    const batches: string[] = [];
    for (let start = 0; start < events; start += ctx.sizes.batchSize) {
      const n = Math.min(ctx.sizes.batchSize, events - start);
      batches.push(`{"events":[${Array.from({ length: n }, (_, k) => eventJson(start + k).replace("{", `{"tenant":"w${(start + k) % endpoints}",`)).join(",")}]}`);
    }
    const started = nowMs();
    try {
      let nextBatch = 0;
      await Promise.all(
        Array.from({ length: 2 }, async () => {
          while (nextBatch < batches.length) {
            const res = await fetch(`${daemon.url}/v1/events/batch`, {
              method: "POST",
              headers: { authorization: `Bearer ${ctx.token}`, "content-type": "application/json" },
              body: batches[nextBatch++]!,
            });
            const text = await res.text();
            if (res.status !== 202) throw new Error(`wide and slow: batch answered ${res.status}: ${text.slice(0, 300)}`);
          }
        }),
      );
      const ingested = nowMs();
      const got = (await (await fetch(`${control}/__wait?count=${events}&timeout=240000`)).json()) as Record<string, number>;
      if (got.unique! < events) throw new Error(`wide and slow: ${got.unique} of ${events} deliveries arrived`);
      const seconds = (got.last_at! - started) / 1000;
      return {
        endpoints,
        events,
        seconds,
        perSecond: events / seconds,
        boundPerSecond: BENCH_CONCURRENCY / (delay / 1000),
        ingestSeconds: (ingested - started) / 1000,
        maxInFlight: got.max_in_flight!,
        connections: got.connections!,
        timeWaitBefore,
        timeWaitMax,
        timeWaitAfter: timeWaitCount(portSet),
        duplicates: got.duplicates!,
        failedAttempts: failedAttempts(dir),
      };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await ctx.stopDaemon(daemon, "wide");
    slow.proc.kill("SIGKILL");
    await slow.proc.exited;
  }
}
