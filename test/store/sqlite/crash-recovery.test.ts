/**
 * The store's side of surviving a crash and a stepped clock: taking over the
 * leases a dead process left (its cut attempts recorded as interrupted) and
 * moving the schedule with a wall-clock step. Real SQLite, fake clock.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ClaimedDelivery, NewDelivery } from "../../../src/store/contract.ts";
import type { Delivery, Endpoint } from "../../../src/domain/model.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";

let s: FreshStore;

beforeEach(() => {
  s = openFreshStore();
});
afterEach(() => s.cleanup());

const LEASE_MS = 60_000;
const HOUR = 3_600_000;
const anyRoom = { maxPerEndpoint: 1000, inFlight: new Map() };

async function createEndpoint(): Promise<Endpoint> {
  return s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
}

/** One event with one pending delivery due at `dueAt` (a test send when `test`, created leased as the Test button does). */
async function due(endpoint: Endpoint, dueAt = s.clock.now(), options: { test?: boolean } = {}): Promise<string> {
  const eventId = s.ids("evt");
  const lease = options.test ? { owner: "node_test", until: s.clock.now() + LEASE_MS } : null;
  const delivery: NewDelivery = {
    id: s.ids("dlv"),
    endpointId: endpoint.id,
    url: endpoint.url,
    status: "pending",
    lastError: null,
    dueAt: lease?.until ?? dueAt,
    lease,
  };
  const event = { id: eventId, tenant: "default", type: "message.delivered", payload: `{"id":"${eventId}"}`, occurredAt: s.clock.now(), callbackUrl: null, isTest: options.test ?? false };
  await s.store.events.commit({ items: [{ event, deliveries: [delivery], idempotency: null }], now: s.clock.now() });
  return delivery.id;
}

async function get(id: string): Promise<Delivery> {
  const d = await s.store.deliveries.get(id);
  if (!d) throw new Error(`no delivery ${id}`);
  return d;
}

const claim = async (now = s.clock.now()): Promise<ClaimedDelivery[]> =>
  (await s.store.deliveries.claimDue({ now, limit: 100, leaseMs: LEASE_MS, capacity: anyRoom, owner: "node_test", newAttemptId: () => s.ids("att") })).claimed;
const newAttemptId = () => s.ids("att");

describe("interruptLeases", () => {
  test("records each leased delivery's cut attempt as failed with interrupted, counts it, makes the delivery due now, and answers what it recorded", async () => {
    const ep = await createEndpoint();
    const leased = await due(ep);
    const leaseStart = s.clock.now();
    expect(await claim()).toHaveLength(1);
    const later = await due(ep, s.clock.now() + HOUR);
    s.clock.advance(7_000);
    const now = s.clock.now();

    expect(await s.store.deliveries.interruptLeases({ now, newAttemptId, owners: "all" })).toEqual([{ deliveryId: leased, endpointId: ep.id, isTest: false }]);

    expect(await get(leased)).toMatchObject({ status: "pending", attemptCount: 1, nextAttemptAt: now, lease: null, lastError: "interrupted", updatedAt: now });
    expect(await s.store.deliveries.attempts(leased)).toEqual([
      {
        id: expect.stringMatching(/^att_/),
        deliveryId: leased,
        endpointId: ep.id,
        n: 1,
        startedAt: leaseStart,
        durationMs: 7_000,
        statusCode: null,
        error: "interrupted",
        requestHeaders: {},
        responseHeaders: null,
        responseBody: null,
        responseTruncated: false,
        nextAttemptAt: now,
        isTest: false,
      },
    ]);
    // Unleased work is left as it was, and the taken-over delivery is claimable at once.
    expect(await get(later)).toMatchObject({ attemptCount: 0, nextAttemptAt: leaseStart + HOUR, lastError: null });
    expect(await s.store.deliveries.attempts(later)).toEqual([]);
    expect((await claim(now)).map((c) => c.delivery.id)).toEqual([leased]);
  });

  test("numbers the cut attempt after the attempts already made", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    const [first] = await claim();
    await s.store.deliveries.recordAttempt({ record: {
        attempt: { id: s.ids("att"), deliveryId: id, n: 1, startedAt: s.clock.now(), durationMs: 5, statusCode: 500, error: "http_status", requestHeaders: {}, responseHeaders: {}, responseBody: null, responseTruncated: false, nextAttemptAt: s.clock.now() + 1000 },
        delivery: first!.delivery,
        next: { status: "pending", at: s.clock.now() + 1000 },
        lastError: "HTTP 500",
        health: { success: false, disable: null, disableIfFailingBefore: null },
      }, now: s.clock.now() });
    s.clock.advance(1000);
    expect(await claim()).toHaveLength(1);
    s.clock.advance(10);
    await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" });
    expect((await s.store.deliveries.attempts(id)).map((a) => [a.n, a.error])).toEqual([
      [1, "http_status"],
      [2, "interrupted"],
    ]);
    expect(await get(id)).toMatchObject({ attemptCount: 2, status: "pending" });
  });

  test("gives a cut attempt at most the lease as its duration, however long the process stayed down", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    await claim();
    s.clock.advance(24 * HOUR);
    await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" });
    expect((await s.store.deliveries.attempts(id))[0]!.durationMs).toBe(LEASE_MS);
  });

  test("a lease without a recorded start (taken before that column existed) gets the start-up time and a duration of 0", async () => {
    const ep = await createEndpoint();
    const id = await due(ep);
    await claim();
    s.db.run("UPDATE deliveries SET leased_at = NULL");
    s.clock.advance(5000);
    await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" });
    expect((await s.store.deliveries.attempts(id))[0]).toMatchObject({ startedAt: s.clock.now(), durationMs: 0, error: "interrupted" });
  });

  test("a test send cut off ends failed and is not made again, since test sends are never retried", async () => {
    const ep = await createEndpoint();
    const id = await due(ep, s.clock.now(), { test: true });
    s.clock.advance(100);
    expect(await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" })).toEqual([{ deliveryId: id, endpointId: ep.id, isTest: true }]);
    expect(await get(id)).toMatchObject({ status: "failed", nextAttemptAt: null, lease: null, attemptCount: 1, lastError: "interrupted" });
    expect((await s.store.deliveries.attempts(id))[0]).toMatchObject({ error: "interrupted", nextAttemptAt: null, isTest: true });
    expect(await claim(s.clock.now() + 2 * LEASE_MS)).toEqual([]);
  });

  test("leaves the endpoint's health alone: the crash was hookgate's, not the endpoint's", async () => {
    const ep = await createEndpoint();
    await due(ep);
    await claim();
    await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" });
    expect(await s.store.endpoints.get(ep.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null });
  });

  test("is one transaction: when one attempt cannot be written, no delivery is changed", async () => {
    const ep = await createEndpoint();
    const ids = [await due(ep), await due(ep)];
    await claim();
    const before = await Promise.all(ids.map(get));
    const sameId = s.ids("att");
    await expect(s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId: () => sameId, owners: "all" })).rejects.toThrow(/UNIQUE constraint failed: attempts.id/);
    expect(await Promise.all(ids.map(get))).toEqual(before);
    for (const id of ids) expect(await s.store.deliveries.attempts(id)).toEqual([]);
  });

  test("answers nothing when nothing is leased", async () => {
    await due(await createEndpoint());
    expect(await s.store.deliveries.interruptLeases({ now: s.clock.now(), newAttemptId, owners: "all" })).toEqual([]);
  });
});

describe("shiftSchedule", () => {
  test("moves every pending due time and lease written before the step by the step, and nothing else", async () => {
    const ep = await createEndpoint();
    const soon = await due(ep, s.clock.now() + 60_000);
    const leased = await due(ep);
    await claim();
    const leasedUntil = (await get(leased)).lease!.until;
    const done = await due(ep);
    s.db.run("UPDATE deliveries SET status = 'succeeded', next_attempt_at = NULL WHERE id = ?", [done]);

    const oldNow = s.clock.now();
    s.clock.step(HOUR);
    expect(await s.store.deliveries.shiftSchedule({ stepMs: HOUR, writtenBefore: oldNow })).toBe(2);

    expect(await get(soon)).toMatchObject({ nextAttemptAt: oldNow + 60_000 + HOUR, lease: null });
    expect(await get(leased)).toMatchObject({ nextAttemptAt: leasedUntil + HOUR, lease: { until: leasedUntil + HOUR } });
    expect(await get(done)).toMatchObject({ status: "succeeded", nextAttemptAt: null });
    // The live lease did not run out with the step: nothing is claimable twice.
    expect(await claim()).toEqual([]);
  });

  test("leaves alone a delivery written after a forward step, whose due time is already on the new clock", async () => {
    const ep = await createEndpoint();
    const old = await due(ep, s.clock.now() + 60_000);
    const oldNow = s.clock.now();
    s.clock.step(HOUR);
    const fresh = await due(ep);
    expect(await s.store.deliveries.shiftSchedule({ stepMs: HOUR, writtenBefore: oldNow })).toBe(1);
    expect((await get(old)).nextAttemptAt).toBe(oldNow + 60_000 + HOUR);
    expect((await get(fresh)).nextAttemptAt).toBe(s.clock.now());
  });

  test("moves due times back after a backward step", async () => {
    const ep = await createEndpoint();
    const id = await due(ep, s.clock.now() + 60_000);
    const oldNow = s.clock.now();
    s.clock.step(-HOUR);
    expect(await s.store.deliveries.shiftSchedule({ stepMs: -HOUR, writtenBefore: oldNow })).toBe(1);
    expect((await get(id)).nextAttemptAt).toBe(s.clock.now() + 60_000);
  });
});
