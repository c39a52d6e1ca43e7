import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Deliverer } from "../../src/delivery/deliver.ts";
import { Dispatcher, type DispatcherOptions } from "../../src/delivery/dispatcher.ts";
import { createLogger } from "../../src/log.ts";
import { noObserver } from "../../src/metrics/observer.ts";
import type { AttemptRecord, ClaimedDelivery, InterruptedAttempt, NewDelivery } from "../../src/store/contract.ts";
import type { Endpoint } from "../../src/domain/model.ts";
import { openFreshStore, type FreshStore } from "../helpers/store.ts";

let s: FreshStore;
const dispatchers: Dispatcher[] = [];

beforeEach(() => {
  s = openFreshStore();
});
afterEach(async () => {
  // Whatever a test left hanging must not write after its database is gone.
  for (const d of dispatchers.splice(0)) await d.stop(0);
  s.cleanup();
});

const LEASE_MS = 60_000;

/** One call the dispatcher made to the deliverer, finished by the test. */
interface Call {
  claimed: ClaimedDelivery;
  resolve(record: AttemptRecord | null): void;
  reject(err: unknown): void;
}

/** A deliverer whose attempts stay in flight until the test finishes them. */
function manualDeliverer(): { deliver: Deliverer; calls: Call[] } {
  const calls: Call[] = [];
  const deliver: Deliverer = (claimed) =>
    new Promise<AttemptRecord | null>((resolve, reject) => {
      calls.push({ claimed, resolve, reject });
    });
  return { deliver, calls };
}

/** The record of a 2xx for a claimed delivery, as the real deliverer makes it. */
function succeeded(claimed: ClaimedDelivery): AttemptRecord {
  const { delivery } = claimed;
  return {
    attempt: {
      id: s.ids("att"),
      deliveryId: delivery.id,
      n: delivery.attemptCount + 1,
      startedAt: s.clock.now(),
      durationMs: 3,
      statusCode: 204,
      error: null,
      requestHeaders: { "webhook-id": delivery.eventId },
      responseHeaders: {},
      responseBody: null,
      responseTruncated: false,
      nextAttemptAt: null,
    },
    delivery,
    next: { status: "succeeded" },
    lastError: null,
    health: delivery.endpointId === null ? null : { success: true },
  };
}

/** The record of a 503 with a retry at `at`. */
function failedUntil(claimed: ClaimedDelivery, at: number): AttemptRecord {
  const base = succeeded(claimed);
  return {
    ...base,
    attempt: { ...base.attempt, statusCode: 503, error: "http_status", nextAttemptAt: at },
    next: { status: "pending", at },
    lastError: "HTTP 503",
    health: { success: false, disable: null, disableIfFailingBefore: s.clock.now() - 24 * 3_600_000 },
  };
}

function dispatcher(deliver: Deliverer, options: Partial<DispatcherOptions> = {}, log = createLogger("silent")): Dispatcher {
  const d = new Dispatcher(s.store, deliver, s.clock, log, { concurrency: 16, maxPerEndpoint: 16, leaseMs: LEASE_MS, owner: "node_test", deadAtStart: "all", ...options });
  dispatchers.push(d);
  return d;
}

async function createEndpoint(): Promise<Endpoint> {
  return s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
}

/** `n` events, each with one delivery to `endpoint`, due one millisecond apart and the last at `dueAt`; answers the delivery ids in due order. */
async function dueDeliveries(endpoint: Endpoint | null, n: number, dueAt = s.clock.now()): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const eventId = s.ids("evt");
    const delivery: NewDelivery = {
      id: s.ids("dlv"),
      endpointId: endpoint?.id ?? null,
      url: endpoint?.url ?? "https://callback.example.com/",
      status: "pending",
      lastError: null,
      dueAt: dueAt - (n - 1 - i),
      lease: null,
    };
    await s.store.events.commit({ items: [
        {
          event: { id: eventId, tenant: "default", type: "message.delivered", payload: `{"id":"${eventId}"}`, occurredAt: s.clock.now(), callbackUrl: null, isTest: false },
          deliveries: [delivery],
          idempotency: null,
        },
      ], now: s.clock.now() });
    ids.push(delivery.id);
  }
  return ids;
}

/**
 * Lets the event loop turn until `done()` holds: the dispatcher's own
 * bookkeeping after an attempt (the store's group commit, the slot freed)
 * runs in later turns. No timers: each turn is one setImmediate.
 */
async function turnsUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise<void>((resolve) => setImmediate(resolve));
}

const deliveryIds = (calls: Call[]) => calls.map((c) => c.claimed.delivery.id);

describe("slots", () => {
  test("one tick launches no more attempts than the concurrency allows", async () => {
    const ep = await createEndpoint();
    const due = await dueDeliveries(ep, 10);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 3 });
    await d.start({ manual: true });
    await d.tick();
    expect(deliveryIds(calls)).toEqual(due.slice(0, 3));
    expect(d.inFlightCount).toBe(3);
    await d.tick();
    expect(calls).toHaveLength(3);
  });

  test("finishing one attempt frees one slot: the next tick launches exactly one more", async () => {
    const ep = await createEndpoint();
    const due = await dueDeliveries(ep, 10);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 3 });
    await d.start({ manual: true });
    await d.tick();
    calls[1]!.resolve(succeeded(calls[1]!.claimed));
    await turnsUntil(() => d.inFlightCount === 2);
    await d.tick();
    expect(deliveryIds(calls)).toEqual(due.slice(0, 4));
    expect(d.inFlightCount).toBe(3);
  });

  test("an endpoint at its in-flight limit does not hold back another endpoint's deliveries", async () => {
    const hung = await createEndpoint();
    const healthy = await createEndpoint();
    // The hung endpoint's backlog is older than everything else.
    const forHung = await dueDeliveries(hung, 10, s.clock.now() - 1000);
    const forHealthy = await dueDeliveries(healthy, 2);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 4, maxPerEndpoint: 2 });
    await d.start({ manual: true });
    await d.tick();
    expect(deliveryIds(calls)).toEqual([...forHung.slice(0, 2), ...forHealthy]);

    // The healthy endpoint's attempts finish while the hung ones never do; the hung endpoint still gets no third slot.
    for (const c of calls.slice(2)) c.resolve(succeeded(c.claimed));
    await turnsUntil(() => d.inFlightCount === 2);
    await d.tick();
    expect(calls).toHaveLength(4);
    // A slot frees when the request ends; the record lands with the next commit.
    for (const id of forHealthy) {
      for (let turn = 0; turn < 100 && (await s.store.deliveries.get(id))!.status !== "succeeded"; turn++) await new Promise((r) => setImmediate(r));
      expect((await s.store.deliveries.get(id))!.status).toBe("succeeded");
    }
  });

  test("callback deliveries are limited by the concurrency only", async () => {
    await dueDeliveries(null, 5);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 4, maxPerEndpoint: 1 });
    await d.start({ manual: true });
    await d.tick();
    expect(calls).toHaveLength(4);
  });
});

describe("records", () => {
  test("what the deliverer answers is recorded through the store: attempt row, next state and endpoint health", async () => {
    const ep = await createEndpoint();
    const [ok, retry] = await dueDeliveries(ep, 2);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    await d.tick();
    const retryAt = s.clock.now() + 30_000;
    calls[0]!.resolve(succeeded(calls[0]!.claimed));
    calls[1]!.resolve(failedUntil(calls[1]!.claimed, retryAt));
    await d.idle();

    expect(await s.store.deliveries.get(ok!)).toMatchObject({ status: "succeeded", attemptCount: 1, lease: null, nextAttemptAt: null });
    expect(await s.store.deliveries.attempts(ok!)).toEqual([expect.objectContaining({ n: 1, statusCode: 204, error: null, endpointId: ep.id })]);
    expect(await s.store.deliveries.get(retry!)).toMatchObject({ status: "pending", attemptCount: 1, nextAttemptAt: retryAt, lastError: "HTTP 503" });
    expect(await s.store.deliveries.attempts(retry!)).toEqual([expect.objectContaining({ n: 1, statusCode: 503, error: "http_status", nextAttemptAt: retryAt })]);
    expect(await s.store.endpoints.get(ep.id)).toMatchObject({ consecutiveFailures: 1, failingSince: s.clock.now() });

    // The retry is made when it is due, not before.
    await d.tick();
    expect(calls).toHaveLength(2);
    s.clock.set(retryAt);
    await d.tick();
    expect(deliveryIds(calls)).toEqual([ok!, retry!, retry!]);
    expect(calls[2]!.claimed.delivery.attemptCount).toBe(1);
  });

  test("a deliverer answering null records nothing and frees the slot", async () => {
    const [id] = await dueDeliveries(await createEndpoint(), 1);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 1 });
    await d.start({ manual: true });
    await d.tick();
    calls[0]!.resolve(null);
    await d.idle();
    expect(d.inFlightCount).toBe(0);
    expect(await s.store.deliveries.attempts(id!)).toEqual([]);
  });
});

describe("errors", () => {
  test("a deliverer that throws is logged, the loop goes on, and the delivery comes back once its lease runs out", async () => {
    const ep = await createEndpoint();
    const [id, other] = await dueDeliveries(ep, 2);
    const lines: Record<string, unknown>[] = [];
    const log = createLogger("error", { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, {}, log);
    await d.start({ manual: true });
    await d.tick();
    calls[0]!.reject(new Error("deliverer bug"));
    calls[1]!.resolve(succeeded(calls[1]!.claimed));
    await d.idle();

    expect(lines).toEqual([
      expect.objectContaining({ level: "error", msg: "could not make or record an attempt", delivery_id: id, err: expect.objectContaining({ message: "deliverer bug" }) }),
    ]);
    expect(d.isRunning).toBe(true);
    expect((await s.store.deliveries.get(other!))!.status).toBe("succeeded");
    expect(await s.store.deliveries.get(id!)).toMatchObject({ status: "pending", attemptCount: 0 });
    expect(await s.store.deliveries.attempts(id!)).toEqual([]);

    await d.tick();
    expect(calls).toHaveLength(2);
    s.clock.advance(LEASE_MS - 1);
    await d.tick();
    expect(calls).toHaveLength(2);
    s.clock.advance(1);
    await d.tick();
    expect(deliveryIds(calls)).toEqual([id!, other!, id!]);
  });
});

describe("start", () => {
  test("takes over the leases left in the database, tells the observer of the interrupted attempts, and delivers those deliveries at once", async () => {
    const ep = await createEndpoint();
    const due = await dueDeliveries(ep, 3);
    // A previous run claimed them and died.
    expect((await s.store.deliveries.claimDue({ now: s.clock.now(), limit: 10, leaseMs: LEASE_MS, capacity: { maxPerEndpoint: 10, inFlight: new Map() }, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` })).claimed).toHaveLength(3);
    s.clock.advance(5);
    const { deliver, calls } = manualDeliverer();
    const heard: InterruptedAttempt[][] = [];
    const d = dispatcher(deliver, { observer: { ...noObserver, attemptsInterrupted: (list) => void heard.push(list) } });
    await d.start({ manual: true });
    for (const id of due) {
      expect(await s.store.deliveries.get(id)).toMatchObject({ lease: null, nextAttemptAt: s.clock.now(), attemptCount: 1, lastError: "interrupted" });
      expect(await s.store.deliveries.attempts(id)).toEqual([expect.objectContaining({ n: 1, error: "interrupted", statusCode: null, durationMs: 5 })]);
    }
    expect(heard).toEqual([due.map((deliveryId) => ({ deliveryId, endpointId: ep.id, isTest: false }))]);
    await d.tick();
    expect(deliveryIds(calls)).toEqual(due);
    // The attempt made again is the second one.
    expect(calls.map((c) => c.claimed.delivery.attemptCount)).toEqual([1, 1, 1]);
  });

  test("in manual mode launches nothing until tick", async () => {
    await dueDeliveries(await createEndpoint(), 1);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    expect(calls).toEqual([]);
    expect(d.isRunning).toBe(true);
  });
});

describe("stop", () => {
  test("waits for the attempts in flight and records them, then claims nothing more", async () => {
    const ep = await createEndpoint();
    const due = await dueDeliveries(ep, 3);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver, { concurrency: 2 });
    await d.start({ manual: true });
    await d.tick();
    let stopped = false;
    const stopping = d.stop(60_000).then(() => {
      stopped = true;
    });
    expect(d.isRunning).toBe(false);
    calls[0]!.resolve(succeeded(calls[0]!.claimed));
    await turnsUntil(() => d.inFlightCount === 1);
    expect(stopped).toBe(false);
    calls[1]!.resolve(succeeded(calls[1]!.claimed));
    await stopping;

    for (const id of due.slice(0, 2)) expect((await s.store.deliveries.get(id))!.status).toBe("succeeded");
    await d.tick();
    expect(calls).toHaveLength(2);
    expect(await s.store.deliveries.get(due[2]!)).toMatchObject({ status: "pending", lease: null });
  });

  test("returns at the deadline when an attempt never finishes", async () => {
    await dueDeliveries(await createEndpoint(), 1);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    await d.tick();
    await d.stop(20);
    expect(calls).toHaveLength(1);
    expect(d.inFlightCount).toBe(1);
    expect(d.isRunning).toBe(false);
  });

  test("returns at once when nothing is in flight", async () => {
    const { deliver } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    await d.stop(60_000);
    expect(d.isRunning).toBe(false);
  });

  test("a claim that completes after stop was called launches nothing", async () => {
    const [id] = await dueDeliveries(await createEndpoint(), 1);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    const ticking = d.tick();
    await d.stop(60_000);
    await ticking;
    expect(calls).toEqual([]);
    // It stays leased: the next start takes it over.
    expect((await s.store.deliveries.get(id!))!.lease).not.toBeNull();
  });
});

describe("clock steps", () => {
  const HOUR = 3_600_000;

  /** A logger whose lines the test can read. */
  function recordingLog(): { log: ReturnType<typeof createLogger>; lines: Record<string, any>[] } {
    const lines: Record<string, any>[] = [];
    return { log: createLogger("warn", { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
  }

  test("after the wall clock steps an hour forward, a retry due in 30 s is made 30 s later, not at once", async () => {
    const [id] = await dueDeliveries(await createEndpoint(), 1, s.clock.now() + 30_000);
    const { deliver, calls } = manualDeliverer();
    const { log, lines } = recordingLog();
    const d = dispatcher(deliver, {}, log);
    await d.start({ manual: true });
    await d.tick();
    s.clock.step(HOUR);
    await d.tick();
    expect(calls).toEqual([]);
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: "wall clock stepped; pending deliveries moved with it", step_ms: HOUR, deliveries: 1 })]);
    s.clock.advance(29_999);
    await d.tick();
    expect(calls).toEqual([]);
    s.clock.advance(1);
    await d.tick();
    expect(deliveryIds(calls)).toEqual([id!]);
  });

  test("after the wall clock steps an hour back, a retry due in 30 s is still made 30 s later, not an hour later", async () => {
    const [id] = await dueDeliveries(await createEndpoint(), 1, s.clock.now() + 30_000);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    s.clock.step(-HOUR);
    await d.tick();
    expect(calls).toEqual([]);
    s.clock.advance(30_000);
    await d.tick();
    expect(deliveryIds(calls)).toEqual([id!]);
  });

  test("a backlog keeps its spacing across a step: deliveries due 10, 20 and 30 s from now do not all fire at once", async () => {
    const ep = await createEndpoint();
    const start = s.clock.now();
    const ids: string[] = [];
    for (const step of [1, 2, 3]) ids.push(...(await dueDeliveries(ep, 1, start + step * 10_000)));
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    s.clock.step(HOUR);
    for (let n = 1; n <= 3; n++) {
      s.clock.advance(10_000);
      await d.tick();
      expect(deliveryIds(calls)).toEqual(ids.slice(0, n));
    }
  });

  test("an attempt in flight is not claimed again when a forward step outruns its lease", async () => {
    const [id] = await dueDeliveries(await createEndpoint(), 1);
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    await d.tick();
    expect(calls).toHaveLength(1);
    s.clock.step(HOUR);
    await d.tick();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve(succeeded(calls[0]!.claimed));
    await d.idle();
    expect((await s.store.deliveries.get(id!))!.status).toBe("succeeded");
  });

  test("an event ingested after a forward step, before the next look, is delivered at once, not an hour late", async () => {
    const ep = await createEndpoint();
    const { deliver, calls } = manualDeliverer();
    const d = dispatcher(deliver);
    await d.start({ manual: true });
    s.clock.advance(1000);
    s.clock.step(HOUR);
    const [id] = await dueDeliveries(ep, 1);
    await d.tick();
    expect(deliveryIds(calls)).toEqual([id!]);
  });

  test("a step the store could not follow is tried again at the next look", async () => {
    const dueAt = s.clock.now() + 30_000;
    const [id] = await dueDeliveries(await createEndpoint(), 1, dueAt);
    const { deliver, calls } = manualDeliverer();
    const { log, lines } = recordingLog();
    const d = dispatcher(deliver, {}, log);
    await d.start({ manual: true });
    const shift = s.store.deliveries.shiftSchedule;
    s.store.deliveries.shiftSchedule = async () => {
      throw new Error("disk I/O error");
    };
    s.clock.step(HOUR);
    await d.tick();
    expect(lines.map((l) => l.msg)).toEqual(["dispatcher tick failed; retrying shortly"]);
    s.store.deliveries.shiftSchedule = shift;
    await d.tick();
    expect(calls).toEqual([]);
    expect((await s.store.deliveries.get(id!))!.nextAttemptAt).toBe(dueAt + HOUR);
  });
});
