import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { lastErrorText } from "../../../src/delivery/decide-next.ts";
import type { AttemptRecord, ClaimedDelivery, EndpointCapacity, EventCommit, NewDelivery } from "../../../src/store/contract.ts";
import type { Attempt, Delivery, Endpoint } from "../../../src/domain/model.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";

let s: FreshStore;

beforeEach(() => {
  s = openFreshStore();
});
afterEach(() => s.cleanup());

const LEASE_MS = 60_000;
const HOUR = 3_600_000;
const CALLBACK_URL = "https://callback.example.com/one-off";
const noLimits: EndpointCapacity = { maxPerEndpoint: Number.POSITIVE_INFINITY, inFlight: new Map() };

async function createEndpoint(overrides: Parameters<FreshStore["newEndpoint"]>[0] = {}): Promise<Endpoint> {
  return s.store.endpoints.create({ endpoint: s.newEndpoint(overrides), now: s.clock.now() });
}

interface PlannedDelivery {
  /** null: a callback_url delivery. */
  endpoint: Endpoint | null;
  /** "failed" makes it the way ingest does for a disabled endpoint. */
  status?: "pending" | "failed";
  dueAt?: number;
  leaseUntil?: number | null;
}

interface Ingested {
  eventId: string;
  payload: string;
  deliveryIds: string[];
}

/** Builds one EventCommit the way ingest does; `dueAt` defaults to now. */
function newEvent(
  deliveries: PlannedDelivery[],
  options: { tenant?: string; type?: string; isTest?: boolean; idempotency?: EventCommit["idempotency"] } = {},
): EventCommit {
  const id = s.ids("evt");
  const type = options.type ?? "message.delivered";
  const rows: NewDelivery[] = [];
  for (const d of deliveries) {
    const deliveryId = s.ids("dlv");
    const failed = d.status === "failed";
    rows.push({
      id: deliveryId,
      endpointId: d.endpoint?.id ?? null,
      url: d.endpoint?.url ?? CALLBACK_URL,
      status: failed ? "failed" : "pending",
      lastError: failed ? "endpoint_disabled" : null,
      dueAt: failed ? null : (d.dueAt ?? s.clock.now()),
      lease: failed || !d.leaseUntil ? null : { owner: "node_test", until: d.leaseUntil },
      ...(failed && { unsentAttemptId: s.ids("att") }),
    });
  }
  return {
    event: {
      id,
      tenant: options.tenant ?? "default",
      type,
      payload: JSON.stringify({ id, event: type, timestamp: "2026-01-01T00:00:00Z", data: { n: id } }),
      occurredAt: s.clock.now(),
      callbackUrl: deliveries.some((d) => d.endpoint === null) ? CALLBACK_URL : null,
      isTest: options.isTest ?? false,
    },
    deliveries: rows,
    idempotency: options.idempotency ?? null,
  };
}

/** Commits one event with its deliveries through store.events.commit. */
async function ingest(deliveries: PlannedDelivery[], options: Parameters<typeof newEvent>[1] = {}): Promise<Ingested> {
  const item = newEvent(deliveries, options);
  expect(await s.store.events.commit({ items: [item], now: s.clock.now() })).toEqual([{ kind: "created" }]);
  return { eventId: item.event.id, payload: item.event.payload, deliveryIds: item.deliveries.map((d) => d.id) };
}

/** One pending delivery to `endpoint` due at `dueAt`; answers its id. */
async function due(endpoint: Endpoint | null, dueAt = s.clock.now(), options: Parameters<typeof newEvent>[1] = {}): Promise<string> {
  return (await ingest([{ endpoint, dueAt }], options)).deliveryIds[0]!;
}

async function get(id: string): Promise<Delivery> {
  const d = await s.store.deliveries.get(id);
  if (!d) throw new Error(`no delivery ${id}`);
  return d;
}

async function endpoint(id: string): Promise<Endpoint> {
  const e = await s.store.endpoints.get(id);
  if (!e) throw new Error(`no endpoint ${id}`);
  return e;
}

const claimIds = (claimed: ClaimedDelivery[]) => claimed.map((c) => c.delivery.id);

async function claim(now = s.clock.now(), limit = 100, capacity: EndpointCapacity = noLimits): Promise<ClaimedDelivery[]> {
  return (await s.store.deliveries.claimDue({ now, limit, leaseMs: LEASE_MS, capacity, owner: "node_test", newAttemptId: () => s.ids("att") })).claimed;
}

/** An attempt record for `delivery` as the deliverer builds one. */
function attemptRecord(
  delivery: Delivery,
  options: {
    statusCode?: number | null;
    error?: string | null;
    next: AttemptRecord["next"];
    health: AttemptRecord["health"];
    startedAt?: number;
    durationMs?: number;
    responseBody?: Uint8Array | null;
    responseTruncated?: boolean;
  },
): AttemptRecord {
  const statusCode = options.statusCode === undefined ? 200 : options.statusCode;
  return {
    attempt: {
      id: s.ids("att"),
      deliveryId: delivery.id,
      n: delivery.attemptCount + 1,
      startedAt: options.startedAt ?? s.clock.now(),
      durationMs: options.durationMs ?? 12,
      statusCode,
      error: options.error === undefined ? null : options.error,
      requestHeaders: { "content-type": "application/json", "webhook-id": delivery.eventId },
      responseHeaders: statusCode === null ? null : { "content-type": "text/plain", "x-served-by": "receiver" },
      responseBody: options.responseBody === undefined ? (statusCode === null ? null : new TextEncoder().encode("ok")) : options.responseBody,
      responseTruncated: options.responseTruncated ?? false,
      nextAttemptAt: options.next.status === "pending" ? options.next.at : null,
    },
    delivery,
    next: options.next,
    lastError: options.next.status === "succeeded" ? null : lastErrorText(options.error === undefined ? null : options.error, statusCode),
    health: options.health,
  };
}

const success = (d: Delivery, extra: Partial<Parameters<typeof attemptRecord>[1]> = {}) =>
  attemptRecord(d, { statusCode: 200, next: { status: "succeeded" }, health: { success: true }, ...extra });

const failure = (d: Delivery, next: AttemptRecord["next"], extra: Partial<Parameters<typeof attemptRecord>[1]> = {}) =>
  attemptRecord(d, {
    statusCode: 500,
    error: "http_status",
    next,
    health: { success: false, disable: null, disableIfFailingBefore: s.clock.now() - 24 * HOUR },
    ...extra,
  });

async function record(r: AttemptRecord): Promise<void> {
  await s.store.deliveries.recordAttempt({ record: r, now: s.clock.now() });
}

describe("claimDue", () => {
  test("answers due pending deliveries earliest first, each with its event's payload", async () => {
    const ep = await createEndpoint();
    const now = s.clock.now();
    const second = await ingest([{ endpoint: ep, dueAt: now - 10 }]);
    const third = await ingest([{ endpoint: ep, dueAt: now }]);
    const first = await ingest([{ endpoint: ep, dueAt: now - 30 }]);
    const claimed = await claim(now);
    expect(claimIds(claimed)).toEqual([first.deliveryIds[0]!, second.deliveryIds[0]!, third.deliveryIds[0]!]);
    expect(claimed.map((c) => c.payload)).toEqual([first.payload, second.payload, third.payload]);
    expect(claimed[0]!.delivery).toMatchObject({
      eventId: first.eventId,
      endpointId: ep.id,
      url: ep.url,
      status: "pending",
      attemptCount: 0,
      lease: { owner: "node_test", until: now + LEASE_MS, at: now },
    });
  });

  test("leases what it claims: a second claim at the same time gets nothing, and the lease running out makes them claimable again", async () => {
    const ep = await createEndpoint();
    const a = await due(ep);
    const b = await due(null);
    const now = s.clock.now();
    expect(claimIds(await claim(now))).toEqual([a, b]);
    for (const id of [a, b]) {
      expect(await get(id)).toMatchObject({ status: "pending", lease: { owner: "node_test", until: now + LEASE_MS, at: now }, nextAttemptAt: now + LEASE_MS });
    }
    expect(await claim(now)).toEqual([]);
    expect(await claim(now + LEASE_MS - 1)).toEqual([]);
    expect(claimIds(await claim(now + LEASE_MS))).toEqual([a, b]);
  });

  test("never answers deliveries due later, or ones that are not pending", async () => {
    const ep = await createEndpoint();
    const now = s.clock.now();
    const dueNow = await due(ep, now);
    const dueLater = await due(ep, now + 1);
    await ingest([{ endpoint: ep, status: "failed" }]);
    const succeeded = await due(ep, now - 5);
    const [taken] = await claim(now, 1);
    expect(taken!.delivery.id).toBe(succeeded);
    await record(success(taken!.delivery));
    expect(claimIds(await claim(now))).toEqual([dueNow]);
    // Past the lease the finished one stays finished; the later one has become due.
    expect(claimIds(await claim(now + LEASE_MS))).toEqual([dueLater, dueNow]);
  });

  test("takes at most `limit`, the earliest, and leaves the rest due", async () => {
    const ep = await createEndpoint();
    const now = s.clock.now();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await due(ep, now - 100 + i));
    expect(claimIds(await claim(now, 2))).toEqual(ids.slice(0, 2));
    expect(claimIds(await claim(now, 10))).toEqual(ids.slice(2));
  });

  test("skips the endpoints listed as full and leaves their deliveries unleased", async () => {
    const a = await createEndpoint();
    const b = await createEndpoint();
    const forA = await due(a, s.clock.now() - 10);
    const forB = await due(b);
    const callback = await due(null);
    expect(claimIds(await claim(s.clock.now(), 10, { maxPerEndpoint: 10, inFlight: new Map([[a.id, 10]]) }))).toEqual([forB, callback]);
    expect((await get(forA)).lease).toBeNull();
  });

  test("takes no more deliveries of an endpoint than its room", async () => {
    const a = await createEndpoint();
    const b = await createEndpoint();
    const now = s.clock.now();
    const forA = [await due(a, now - 30), await due(a, now - 20), await due(a, now - 10)];
    const forB = [await due(b, now - 25), await due(b, now - 5)];
    // Room: 1 for a (4 of 5 in flight), 5 for b.
    expect(claimIds(await claim(now, 10, { maxPerEndpoint: 5, inFlight: new Map([[a.id, 4]]) }))).toEqual([forA[0]!, forB[0]!, forB[1]!]);
    expect((await get(forA[1]!)).lease).toBeNull();
  });

  test("a deep backlog of an endpoint without room does not hide another endpoint's due work", async () => {
    const slow = await createEndpoint();
    const other = await createEndpoint();
    const now = s.clock.now();
    const backlog = [];
    for (let i = 0; i < 10; i++) backlog.push(await due(slow, now - 1000 + i));
    const forOther = await due(other, now);
    // Room: 1 for slow (15 of 16 in flight), 16 for the other.
    expect(claimIds(await claim(now, 2, { maxPerEndpoint: 16, inFlight: new Map([[slow.id, 15]]) }))).toEqual([backlog[0]!, forOther]);
  });

  test("callback deliveries belong to no endpoint and are not held back by any endpoint's room", async () => {
    const ep = await createEndpoint();
    await due(ep);
    const callbacks = [await due(null), await due(null)];
    expect(claimIds(await claim(s.clock.now(), 10, { maxPerEndpoint: 0, inFlight: new Map() }))).toEqual(callbacks);
  });
});

describe("recordAttempt", () => {
  test("a success marks the delivery succeeded and stores the attempt with every field", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [claimed] = await claim();
    s.clock.advance(250);
    const body = Uint8Array.from([0x7b, 0x22, 0x6f, 0x6b, 0x22, 0x7d, 0x00, 0xff]);
    const r = success(claimed!.delivery, { startedAt: s.clock.now() - 40, durationMs: 40, responseBody: body, responseTruncated: true });
    await record(r);

    expect(await get(id)).toMatchObject({
      status: "succeeded",
      attemptCount: 1,
      nextAttemptAt: null,
      lease: null,
      lastError: null,
      updatedAt: s.clock.now(),
    });
    const expected: Attempt = {
      id: r.attempt.id,
      deliveryId: id,
      endpointId: ep.id,
      n: 1,
      startedAt: s.clock.now() - 40,
      durationMs: 40,
      statusCode: 200,
      error: null,
      requestHeaders: r.attempt.requestHeaders,
      responseHeaders: { "content-type": "text/plain", "x-served-by": "receiver" },
      responseBody: body,
      responseTruncated: true,
      nextAttemptAt: null,
      isTest: false,
    };
    expect(await s.store.deliveries.attempts(id)).toEqual([expected]);
  });

  test("a success resets the endpoint's failure streak and sets last_success_at, leaving updated_at alone", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [first] = await claim();
    await record(failure(first!.delivery, { status: "pending", at: s.clock.now() + 60_000 }));
    expect(await endpoint(ep.id)).toMatchObject({ consecutiveFailures: 1, failingSince: s.clock.now() });

    s.clock.advance(60_000);
    const [second] = await claim();
    expect(second!.delivery.id).toBe(id);
    s.clock.advance(5);
    await record(success(second!.delivery));
    expect(await endpoint(ep.id)).toMatchObject({
      state: "enabled",
      consecutiveFailures: 0,
      failingSince: null,
      lastSuccessAt: s.clock.now(),
      updatedAt: ep.updatedAt,
    });
  });

  test("a failure with a retry planned keeps the delivery pending at that time, counts the attempt and keeps 'HTTP 500' as its last error", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [claimed] = await claim();
    const retryAt = s.clock.now() + 60_000;
    await record(failure(claimed!.delivery, { status: "pending", at: retryAt }));

    expect(await get(id)).toMatchObject({ status: "pending", attemptCount: 1, nextAttemptAt: retryAt, lease: null, lastError: "HTTP 500" });
    const [attempt] = await s.store.deliveries.attempts(id);
    expect(attempt).toMatchObject({ n: 1, statusCode: 500, error: "http_status", nextAttemptAt: retryAt });
    expect(await claim(retryAt - 1)).toEqual([]);
    const [again] = await claim(retryAt);
    expect(again!.delivery).toMatchObject({ id, attemptCount: 1 });
  });

  test("a failure without a response keeps the error name as the last error and stores no response", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [claimed] = await claim();
    await record(failure(claimed!.delivery, { status: "pending", at: s.clock.now() + 1000 }, { statusCode: null, error: "timeout" }));
    expect((await get(id)).lastError).toBe("timeout");
    expect(await s.store.deliveries.attempts(id)).toEqual([
      expect.objectContaining({ statusCode: null, error: "timeout", responseHeaders: null, responseBody: null, responseTruncated: false }),
    ]);
  });

  test("a 3xx is kept as 'HTTP <status>' too", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [claimed] = await claim();
    await record(failure(claimed!.delivery, { status: "failed" }, { statusCode: 302, error: "redirect" }));
    expect((await get(id)).lastError).toBe("HTTP 302");
  });

  test("the last failure of the schedule ends the delivery failed, numbering each attempt", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    for (let i = 0; i < 3; i++) {
      const [claimed] = await claim();
      const last = i === 2;
      await record(failure(claimed!.delivery, last ? { status: "failed" } : { status: "pending", at: s.clock.now() }));
    }
    expect(await get(id)).toMatchObject({ status: "failed", attemptCount: 3, nextAttemptAt: null, lease: null, lastError: "HTTP 500" });
    expect((await s.store.deliveries.attempts(id)).map((a) => [a.n, a.nextAttemptAt])).toEqual([
      [1, s.clock.now()],
      [2, s.clock.now()],
      [3, null],
    ]);
    expect(await claim(s.clock.now() + 10 * LEASE_MS)).toEqual([]);
  });

  test("failures extend the endpoint's streak, which started at the first failed attempt's start", async () => {
    const ep = await createEndpoint();
    await due(ep);
    await due(ep);
    const [a, b] = await claim();
    const firstStart = s.clock.now() + 100;
    s.clock.advance(5_000);
    await record(failure(a!.delivery, { status: "failed" }, { startedAt: firstStart }));
    s.clock.advance(5_000);
    await record(failure(b!.delivery, { status: "failed" }, { startedAt: s.clock.now() - 10 }));
    expect(await endpoint(ep.id)).toMatchObject({ state: "enabled", consecutiveFailures: 2, failingSince: firstStart, updatedAt: ep.updatedAt });
  });

  test("disables the endpoint (auto_failing) once it has failed for the hour it is told, and not a millisecond before", async () => {
    const ep = await createEndpoint();
    const start = s.clock.now();
    for (let i = 0; i < 3; i++) await due(ep);
    const [a, b, c] = await claim();
    // As the deliverer decides it: disable when failing since at or before an hour ago.
    const health = () => ({ success: false as const, disable: null, disableIfFailingBefore: s.clock.now() - HOUR });
    await record(failure(a!.delivery, { status: "failed" }, { startedAt: start, health: health() }));

    s.clock.set(start + HOUR - 1);
    await record(failure(b!.delivery, { status: "failed" }, { health: health() }));
    expect(await endpoint(ep.id)).toMatchObject({ state: "enabled", disabledReason: null, consecutiveFailures: 2 });

    s.clock.set(start + HOUR);
    await record(failure(c!.delivery, { status: "failed" }, { health: health() }));
    expect(await endpoint(ep.id)).toMatchObject({
      state: "disabled",
      disabledReason: "auto_failing",
      consecutiveFailures: 3,
      failingSince: start,
      updatedAt: start + HOUR,
    });
  });

  test("disableIfFailingBefore null never disables the endpoint", async () => {
    const ep = await createEndpoint();
    await due(ep);
    const [a] = await claim();
    s.clock.advance(365 * 24 * HOUR);
    await record(failure(a!.delivery, { status: "failed" }, { startedAt: 0, health: { success: false, disable: null, disableIfFailingBefore: null } }));
    expect((await endpoint(ep.id)).state).toBe("enabled");
  });

  test("a gone endpoint is disabled at once with reason gone", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [a] = await claim();
    await record(failure(a!.delivery, { status: "failed" }, { statusCode: 410, health: { success: false, disable: "gone", disableIfFailingBefore: s.clock.now() - 24 * HOUR } }));
    expect(await endpoint(ep.id)).toMatchObject({ state: "disabled", disabledReason: "gone", consecutiveFailures: 1 });
    expect(await get(id)).toMatchObject({ status: "failed", lastError: "HTTP 410" });
  });

  test("a newly disabled endpoint is seen by the next ingest: its deliveries are created failed", async () => {
    const ep = await createEndpoint();
    // Warm the tenant cache that ingest matches against.
    expect((await s.store.endpoints.forTenant("default")).map((e) => e.state)).toEqual(["enabled"]);
    await due(ep);
    const [a] = await claim();
    await record(failure(a!.delivery, { status: "failed" }, { statusCode: 410, health: { success: false, disable: "gone", disableIfFailingBefore: null } }));
    expect((await s.store.endpoints.forTenant("default")).map((e) => [e.state, e.disabledReason])).toEqual([["disabled", "gone"]]);
  });

  test("with health null (a test send) the endpoint's streak and last success are left alone", async () => {
    const ep = await createEndpoint();
    const failedTest = await due(ep, s.clock.now(), { isTest: true });
    const succeededTest = await due(ep, s.clock.now(), { isTest: true });
    const [a, b] = await claim();
    await record(failure(a!.delivery, { status: "failed" }, { statusCode: 410, health: null }));
    await record(success(b!.delivery, { health: null }));
    expect(await endpoint(ep.id)).toEqual(ep);
    expect(await get(failedTest)).toMatchObject({ status: "failed", isTest: true });
    expect(await get(succeededTest)).toMatchObject({ status: "succeeded", isTest: true });
    expect((await s.store.deliveries.attempts(failedTest))[0]).toMatchObject({ isTest: true, endpointId: ep.id });
  });

  test("a callback_url delivery records its attempt with no endpoint and touches no endpoint", async () => {
    const ep = await createEndpoint();
    const id = await due(null);
    const [a] = await claim();
    await record(failure(a!.delivery, { status: "pending", at: s.clock.now() + 1000 }, { health: null }));
    expect((await s.store.deliveries.attempts(id))[0]).toMatchObject({ endpointId: null, n: 1 });
    expect(await get(id)).toMatchObject({ endpointId: null, status: "pending", attemptCount: 1 });
    expect(await endpoint(ep.id)).toEqual(ep);
  });

  test("an attempt that finishes after its endpoint was removed does not bring the delivery back", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [a] = await claim();
    expect(await s.store.endpoints.remove({ id: ep.id, now: s.clock.now() })).toEqual({ failedDeliveries: 1 });
    await record(failure(a!.delivery, { status: "pending", at: s.clock.now() + 1000 }));
    expect(await get(id)).toMatchObject({ status: "failed", lastError: "endpoint_deleted", nextAttemptAt: null, attemptCount: 0 });
    expect(await claim(s.clock.now() + 10 * LEASE_MS)).toEqual([]);
  });
});

describe("retry", () => {
  test("answers not_found for an unknown delivery", async () => {
    expect(await s.store.deliveries.retry({ id: "dlv_00000000000000000000000000", now: s.clock.now() })).toBe("not_found");
  });

  test("answers pending and changes nothing for a delivery that is still pending", async () => {
    const ep = await createEndpoint();
    const id = await due(ep, s.clock.now() + 5000);
    const before = await get(id);
    expect(await s.store.deliveries.retry({ id, now: s.clock.now() })).toBe("pending");
    expect(await get(id)).toEqual(before);
  });

  test("queues a failed or succeeded delivery again at once, keeping its attempt count", async () => {
    const ep = await createEndpoint();
    const failed = (await ingest([{ endpoint: ep, status: "failed" }])).deliveryIds[0]!;
    const succeeded = await due(ep);
    const [a] = await claim();
    await record(success(a!.delivery));
    s.clock.advance(1000);
    const now = s.clock.now();
    expect(await s.store.deliveries.retry({ id: failed, now })).toBe("queued");
    expect(await s.store.deliveries.retry({ id: succeeded, now })).toBe("queued");
    expect(await get(failed)).toMatchObject({ status: "pending", nextAttemptAt: now, lease: null, attemptCount: 1, updatedAt: now });
    expect(await get(succeeded)).toMatchObject({ status: "pending", nextAttemptAt: now, attemptCount: 1 });
    expect(claimIds(await claim(now)).sort()).toEqual([failed, succeeded].sort());
  });
});

describe("recover", () => {
  test("queues again only this endpoint's failed deliveries created since the given time, leaving test deliveries out", async () => {
    const ep = await createEndpoint();
    const other = await createEndpoint();
    const fail = async (target: Endpoint, options: Parameters<typeof newEvent>[1] = {}) =>
      (await ingest([{ endpoint: target, status: "failed" }], options)).deliveryIds[0]!;

    const tooOld = await fail(ep);
    s.clock.advance(1000);
    const since = s.clock.now();
    const atSince = await fail(ep);
    s.clock.advance(1000);
    const later = await fail(ep);
    const otherEndpoint = await fail(other);
    const testDelivery = await fail(ep, { isTest: true });
    const stillPending = await due(ep, s.clock.now() + HOUR);
    const succeeded = await due(ep);
    const [a] = await claim();
    await record(success(a!.delivery));

    s.clock.advance(1000);
    const now = s.clock.now();
    expect(await s.store.deliveries.recover({ endpointId: ep.id, since, now })).toBe(2);
    for (const id of [atSince, later]) {
      expect(await get(id)).toMatchObject({ status: "pending", nextAttemptAt: now, lease: null });
    }
    for (const id of [tooOld, otherEndpoint, testDelivery]) expect((await get(id)).status).toBe("failed");
    expect(await get(stillPending)).toMatchObject({ status: "pending", nextAttemptAt: since + 1000 + HOUR });
    expect((await get(succeeded)).status).toBe("succeeded");
  });
});

describe("earliestDue", () => {
  test("answers null when nothing is pending", async () => {
    expect(await s.store.deliveries.earliestDue()).toBeNull();
    await ingest([{ endpoint: await createEndpoint(), status: "failed" }]);
    expect(await s.store.deliveries.earliestDue()).toBeNull();
  });

  test("answers the earliest due time of any pending delivery, leased ones included", async () => {
    const ep = await createEndpoint();
    const now = s.clock.now();
    await due(ep, now + 5000);
    await due(ep, now + 3000);
    expect(await s.store.deliveries.earliestDue()).toBe(now + 3000);
    await due(ep, now - 100);
    expect(await claim(now)).toHaveLength(1);
    // The lease moved the only overdue one to now + LEASE_MS.
    expect(await s.store.deliveries.earliestDue()).toBe(now + 3000);
    await s.store.deliveries.claimDue({ now: now + 3000, limit: 1, leaseMs: 100, capacity: noLimits, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` });
    expect(await s.store.deliveries.earliestDue()).toBe(now + 3100);
  });
});

describe("list", () => {
  test("answers newest first, filtered by status, endpoint, tenant and event type", async () => {
    const a = await createEndpoint({ tenant: "acme" });
    const b = await createEndpoint({ tenant: "globex" });
    const d1 = (await ingest([{ endpoint: a }], { tenant: "acme", type: "message.delivered" })).deliveryIds[0]!;
    const d2 = (await ingest([{ endpoint: a, status: "failed" }], { tenant: "acme", type: "message.failed" })).deliveryIds[0]!;
    const d3 = (await ingest([{ endpoint: b }], { tenant: "globex", type: "message.delivered" })).deliveryIds[0]!;
    const d4 = (await ingest([{ endpoint: null }], { tenant: "acme", type: "credit.low" })).deliveryIds[0]!;
    const list = async (q: Omit<Parameters<typeof s.store.deliveries.list>[0], "limit">) =>
      (await s.store.deliveries.list({ limit: 50, ...q })).map((d) => d.id);

    expect(await list({})).toEqual([d4, d3, d2, d1]);
    expect(await list({ status: "pending" })).toEqual([d4, d3, d1]);
    expect(await list({ status: "failed" })).toEqual([d2]);
    expect(await list({ status: "succeeded" })).toEqual([]);
    expect(await list({ endpointId: a.id })).toEqual([d2, d1]);
    expect(await list({ tenant: "acme" })).toEqual([d4, d2, d1]);
    expect(await list({ tenant: "globex" })).toEqual([d3]);
    expect(await list({ eventType: "message.delivered" })).toEqual([d3, d1]);
    expect(await list({ tenant: "acme", status: "pending", eventType: "message.delivered", endpointId: a.id })).toEqual([d1]);
    expect(await list({ tenant: "nobody" })).toEqual([]);
  });

  test("pages with the last id as the cursor until the list runs out", async () => {
    const ep = await createEndpoint();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      s.clock.advance(1);
      made.push(await due(ep));
    }
    const newestFirst = [...made].reverse();
    const page1 = await s.store.deliveries.list({ limit: 2, endpointId: ep.id });
    const page2 = await s.store.deliveries.list({ limit: 2, endpointId: ep.id, before: page1.at(-1)!.id });
    const page3 = await s.store.deliveries.list({ limit: 2, endpointId: ep.id, before: page2.at(-1)!.id });
    expect([page1, page2, page3].map((p) => p.map((d) => d.id))).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
  });
});

describe("endpoint removal", () => {
  test("ends the endpoint's pending deliveries failed (endpoint_deleted) and leaves finished ones and other endpoints alone", async () => {
    const ep = await createEndpoint();
    const other = await createEndpoint();
    const succeeded = await due(ep, s.clock.now() - 1);
    const [a] = await claim(s.clock.now(), 1);
    await record(success(a!.delivery));
    const pending = [await due(ep), await due(ep, s.clock.now() + HOUR)];
    const othersPending = await due(other);
    s.clock.advance(7);
    const now = s.clock.now();

    expect(await s.store.endpoints.remove({ id: ep.id, now })).toEqual({ failedDeliveries: 2 });
    for (const id of pending) {
      expect(await get(id)).toMatchObject({ status: "failed", lastError: "endpoint_deleted", nextAttemptAt: null, lease: null, updatedAt: now });
    }
    expect((await get(succeeded)).status).toBe("succeeded");
    expect(await get(othersPending)).toMatchObject({ status: "pending", lastError: null });
    // The delivery log outlives the endpoint.
    expect((await s.store.deliveries.list({ limit: 10, endpointId: ep.id })).length).toBe(3);
    expect(claimIds(await claim(now))).toEqual([othersPending]);
  });
});

describe("events.ingest", () => {
  test("stores the event and its deliveries", async () => {
    const ep = await createEndpoint();
    const item = newEvent([{ endpoint: ep }, { endpoint: null }]);
    const now = s.clock.now();
    expect(await s.store.events.commit({ items: [item], now })).toEqual([{ kind: "created" }]);
    expect(await s.store.events.get(item.event.id)).toEqual({ ...item.event, createdAt: now });
    const deliveries = await s.store.deliveries.forEvent(item.event.id);
    expect(deliveries.map((d) => [d.id, d.endpointId, d.url, d.status, d.attemptCount, d.nextAttemptAt, d.tenant, d.eventType])).toEqual([
      [item.deliveries[0]!.id, ep.id, ep.url, "pending", 0, now, "default", "message.delivered"],
      [item.deliveries[1]!.id, null, CALLBACK_URL, "pending", 0, now, "default", "message.delivered"],
    ]);
  });

  test("a disabled endpoint's delivery is created failed with an endpoint_disabled attempt", async () => {
    const ep = await createEndpoint();
    const item = newEvent([{ endpoint: ep, status: "failed" }]);
    const now = s.clock.now();
    await s.store.events.commit({ items: [item], now });
    const deliveryId = item.deliveries[0]!.id;
    expect(await get(deliveryId)).toMatchObject({ status: "failed", attemptCount: 1, nextAttemptAt: null, lease: null, lastError: "endpoint_disabled" });
    expect(await s.store.deliveries.attempts(deliveryId)).toEqual([
      {
        id: item.deliveries[0]!.unsentAttemptId!,
        deliveryId,
        endpointId: ep.id,
        n: 1,
        startedAt: now,
        durationMs: 0,
        statusCode: null,
        error: "endpoint_disabled",
        requestHeaders: {},
        responseHeaders: null,
        responseBody: null,
        responseTruncated: false,
        nextAttemptAt: null,
        isTest: false,
      },
    ]);
  });

  describe("with an idempotency key", () => {
    const counts = () => ({
      events: (s.db.query("SELECT count(*) AS n FROM events").get() as { n: number }).n,
      deliveries: (s.db.query("SELECT count(*) AS n FROM deliveries").get() as { n: number }).n,
    });

    test("the first call creates; a repeat with the same hash answers the stored response and creates nothing", async () => {
      const ep = await createEndpoint();
      const idem = (response: string) => ({ idempotency: { key: "order-1", requestHash: "hash-a", response } });
      expect(await s.store.events.commit({ items: [newEvent([{ endpoint: ep }], idem('{"first":true}'))], now: s.clock.now() })).toEqual([{ kind: "created" }]);
      const before = counts();
      expect(await s.store.events.commit({ items: [newEvent([{ endpoint: ep }], idem('{"second":true}'))], now: s.clock.now() })).toEqual([
        { kind: "replayed", response: '{"first":true}' },
      ]);
      expect(counts()).toEqual(before);
    });

    test("the same key with another hash is a conflict and creates nothing", async () => {
      const ep = await createEndpoint();
      await s.store.events.commit({ items: [newEvent([{ endpoint: ep }], { idempotency: { key: "k", requestHash: "hash-a", response: "{}" } })], now: s.clock.now() });
      const before = counts();
      expect(
        await s.store.events.commit({ items: [newEvent([{ endpoint: ep }], { idempotency: { key: "k", requestHash: "hash-b", response: "{}" } })], now: s.clock.now() }),
      ).toEqual([{ kind: "conflict" }]);
      expect(counts()).toEqual(before);
    });

    test("keys are per tenant", async () => {
      const idem = { key: "k", requestHash: "hash-a", response: "{}" };
      await s.store.events.commit({ items: [newEvent([], { tenant: "acme", idempotency: idem })], now: s.clock.now() });
      expect(
        await s.store.events.commit({ items: [newEvent([], { tenant: "globex", idempotency: { ...idem, requestHash: "hash-b" } })], now: s.clock.now() }),
      ).toEqual([{ kind: "created" }]);
    });

    test("a repeat within the same call sees the first item's key", async () => {
      const idem = { key: "k", requestHash: "hash-a", response: '{"id":"first"}' };
      const outcomes = await s.store.events.commit({ items: [newEvent([], { idempotency: idem }), newEvent([], { idempotency: { ...idem, response: "{}" } }), newEvent([], { idempotency: { ...idem, requestHash: "x" } })], now: s.clock.now() });
      expect(outcomes).toEqual([{ kind: "created" }, { kind: "replayed", response: '{"id":"first"}' }, { kind: "conflict" }]);
      expect(counts().events).toBe(1);
    });
  });
});
