/**
 * Wide and slow: `wideEndpoints` endpoints on as many ports (distinct
 * origins), each answering after `wideDelayMs`; `wideEvents` events fanned
 * out so that each goes to exactly one endpoint. With every origin slow,
 * throughput is bounded by the slots: concurrency ÷ delay.
 *
 * Routing is by tenant: one tenant per endpoint, and each event is in the
 * tenant of its endpoint. That keeps matching to one indexed lookup per
 * event (an event type per endpoint would make every event test a thousand
 * patterns, which is ingest's cost, not delivery's).
 *
 * The endpoints are created through the API; the events are then written
 * into the stopped daemon's database and the daemon started, as in the drain
 * run, and timed from exec to the last arrival. Sending them through the
 * batch API instead would make the figure ingest's whenever batch ingest is
 * slower than the bound (5,120/s): it then measures ingest, not delivery.
 */
import { spawnBunScript, type BenchContext } from "../context.ts";
import { BENCH_CONCURRENCY, failedAttempts } from "../daemon.ts";
import { addDeliveries, seedDataDir, type Target } from "../seed-backlog.ts";
import { timeWaitCount } from "../stats.ts";

export interface WideResult {
  endpoints: number;
  events: number;
  /** From exec of the daemon to the last arrival. */
  seconds: number;
  perSecond: number;
  /** Slots ÷ delay: the most any client could do. */
  boundPerSecond: number;
  /** Most requests the slow receivers held at once: the slots hookgate really used. */
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
  try {
    const ready = await slow.line((r) => r.ready === true, 30_000, "slow receivers ready line");
    const ports = ready.ports as number[];
    const control = `http://127.0.0.1:${ready.control}`;
    const dir = ctx.dataDir("wide");
    await seedDataDir(dir, ctx.receiver.hookUrl);

    ctx.progress(`wide and slow: creating ${endpoints} endpoints`);
    const setup = await ctx.startDaemon("wide-setup", dir);
    const targets: Target[] = new Array(endpoints);
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < endpoints) {
            const i = next++;
            const tenant = `w${i}`;
            const url = `http://127.0.0.1:${ports[i]}/hook`;
            const created = await setup.api("POST", "/v1/endpoints", { tenant, url }, 201);
            targets[i] = { id: created.id, url, tenant };
          }
        }),
      );
    } finally {
      await ctx.stopDaemon(setup, "wide-setup");
    }
    const seedMs = addDeliveries(dir, { targets, count: events, dueAt: Date.now() });
    ctx.progress(`wide and slow: ${events.toLocaleString("en-US")} deliveries to ${endpoints} endpoints answering after ${delay} ms written in ${Math.round(seedMs)} ms; starting hookgate`);

    await fetch(`${control}/__reset`, { method: "POST" });
    const portSet = new Set(ports);
    const timeWaitBefore = timeWaitCount(portSet);
    let timeWaitMax = timeWaitBefore;
    const sampler = setInterval(() => (timeWaitMax = Math.max(timeWaitMax, timeWaitCount(portSet))), 250);
    const daemon = await ctx.startDaemon("wide", dir);
    try {
      const got = (await (await fetch(`${control}/__wait?count=${events}&timeout=240000`)).json()) as Record<string, number>;
      if (got.unique! < events) throw new Error(`wide and slow: ${got.unique} of ${events} deliveries arrived`);
      const seconds = (got.last_at! - daemon.spawnedAt) / 1000;
      return {
        endpoints,
        events,
        seconds,
        perSecond: events / seconds,
        boundPerSecond: BENCH_CONCURRENCY / (delay / 1000),
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
      await ctx.stopDaemon(daemon, "wide");
    }
  } finally {
    slow.proc.kill("SIGKILL");
    await slow.proc.exited;
  }
}
