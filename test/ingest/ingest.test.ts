import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createIngest, type EventInput, type Ingest, type IngestResult } from "../../src/ingest/ingest.ts";
import type { Endpoint } from "../../src/domain/model.ts";
import { openFreshStore, type FreshStore } from "../helpers/store.ts";

let s: FreshStore;
let ingest: Ingest;
let wakes: number;

beforeEach(() => {
  s = openFreshStore();
  wakes = 0;
  ingest = createIngest({ store: s.store, clock: s.clock, ids: s.ids, wake: () => wakes++ });
});
afterEach(() => s.cleanup());

const CALLBACK_URL = "https://app.example.com/callbacks/42";

async function createEndpoint(tenant: string, eventTypes: string[], url = `https://${tenant}.example.com/hooks`): Promise<Endpoint> {
  return s.store.endpoints.create({ endpoint: s.newEndpoint({ tenant, eventTypes, url }), now: s.clock.now() });
}

const event = (overrides: Partial<EventInput> = {}): EventInput => ({
  type: "message.delivered",
  tenant: "acme",
  data: { message_id: "msg_abc123", status: "delivered" },
  ...overrides,
});

/** Accepts one event and answers its 202 body; fails the test on a conflict. */
async function acceptOne(input: EventInput): Promise<Extract<IngestResult, { kind: "accepted" }>> {
  const [result] = await ingest.accept([input]);
  if (result?.kind !== "accepted") throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result;
}

const count = (table: string) => (s.db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const rowCounts = () => ({ events: count("events"), deliveries: count("deliveries"), attempts: count("attempts"), keys: count("idempotency_keys") });

describe("fan-out", () => {
  test("makes one delivery per endpoint of the tenant whose event_types match: exact, prefix.* and *", async () => {
    const exact = await createEndpoint("acme", ["message.delivered"]);
    const prefix = await createEndpoint("acme", ["message.*"]);
    const all = await createEndpoint("acme", ["*"]);
    const listsSeveral = await createEndpoint("acme", ["credit.low", "message.delivered"]);
    await createEndpoint("acme", ["message.failed"]);
    await createEndpoint("acme", ["credit.*"]);
    await createEndpoint("acme", ["message"]);
    const otherTenant = await createEndpoint("globex", ["*"]);

    const { body, replayed } = await acceptOne(event());
    expect(replayed).toBe(false);
    expect(body.deliveries.map((d) => d.endpoint_id)).toEqual([exact.id, prefix.id, all.id, listsSeveral.id]);

    const stored = await s.store.deliveries.forEvent(body.id);
    expect(stored.map((d) => d.id)).toEqual(body.deliveries.map((d) => d.id));
    for (const d of stored) {
      expect(d).toMatchObject({ status: "pending", nextAttemptAt: s.clock.now(), lease: null, tenant: "acme", eventType: "message.delivered", isTest: false });
    }
    expect(stored.map((d) => d.url)).toEqual([exact.url, prefix.url, all.url, listsSeveral.url]);
    expect(await s.store.deliveries.list({ limit: 10, endpointId: otherTenant.id })).toEqual([]);
    expect(await s.store.deliveries.list({ limit: 10, tenant: "globex" })).toEqual([]);
  });

  test("a prefix pattern also matches deeper types but not a type that only starts with the same letters", async () => {
    const ep = await createEndpoint("acme", ["message.*"]);
    expect((await acceptOne(event({ type: "message.sms.failed" }))).body.deliveries.map((d) => d.endpoint_id)).toEqual([ep.id]);
    expect((await acceptOne(event({ type: "messages.failed" }))).body.deliveries).toEqual([]);
  });

  test("an event that matches nothing is still stored, with no deliveries, and wakes nobody", async () => {
    await createEndpoint("acme", ["credit.low"]);
    const { body } = await acceptOne(event());
    expect(body.deliveries).toEqual([]);
    expect(await s.store.events.get(body.id)).not.toBeNull();
    expect(wakes).toBe(0);
  });

  test("a disabled matching endpoint gets a delivery recorded failed (endpoint_disabled), still listed in the answer", async () => {
    const enabled = await createEndpoint("acme", ["*"]);
    const disabled = await createEndpoint("acme", ["*"]);
    await s.store.endpoints.setState({ id: disabled.id, state: { enabled: false, reason: "manual" }, now: s.clock.now() });

    const { body } = await acceptOne(event());
    expect(body.deliveries.map((d) => d.endpoint_id)).toEqual([enabled.id, disabled.id]);
    const failed = (await s.store.deliveries.get(body.deliveries[1]!.id))!;
    expect(failed).toMatchObject({ status: "failed", lastError: "endpoint_disabled", attemptCount: 1, nextAttemptAt: null });
    expect(await s.store.deliveries.attempts(failed.id)).toEqual([
      expect.objectContaining({ n: 1, error: "endpoint_disabled", statusCode: null, endpointId: disabled.id, startedAt: s.clock.now() }),
    ]);
    expect((await s.store.deliveries.get(body.deliveries[0]!.id))!.status).toBe("pending");
  });

  test("callback_url adds a delivery with no endpoint, after the endpoints'", async () => {
    const ep = await createEndpoint("acme", ["*"]);
    const { body } = await acceptOne(event({ callbackUrl: CALLBACK_URL }));
    expect(body.deliveries.map((d) => d.endpoint_id)).toEqual([ep.id, null]);
    const callback = (await s.store.deliveries.get(body.deliveries[1]!.id))!;
    expect(callback).toMatchObject({ endpointId: null, url: CALLBACK_URL, status: "pending", nextAttemptAt: s.clock.now() });
    expect((await s.store.events.get(body.id))!.callbackUrl).toBe(CALLBACK_URL);
  });

  test("each event of a batch is answered in order with its own deliveries", async () => {
    const ep = await createEndpoint("acme", ["message.*"]);
    const results = await ingest.accept([event(), event({ type: "credit.low" }), event({ callbackUrl: CALLBACK_URL })]);
    expect(results.map((r) => r.kind === "accepted" && r.body.deliveries.map((d) => d.endpoint_id))).toEqual([[ep.id], [], [ep.id, null]]);
    expect(count("events")).toBe(3);
  });
});

describe("payload", () => {
  test("is exactly {id, event, timestamp, data} in that order, with the given timestamp in RFC 3339 without fractions", async () => {
    const data = { message_id: "msg_abc123", phone: "255712345678", nested: { ok: true, list: [1, 2] } };
    const { body } = await acceptOne(event({ data, timestamp: Date.UTC(2024, 0, 15, 10, 30) }));
    const stored = (await s.store.events.get(body.id))!;
    expect(stored.payload).toBe(
      `{"id":"${body.id}","event":"message.delivered","timestamp":"2024-01-15T10:30:00Z","data":{"message_id":"msg_abc123","phone":"255712345678","nested":{"ok":true,"list":[1,2]}}}`,
    );
    expect(stored.occurredAt).toBe(Date.UTC(2024, 0, 15, 10, 30));
    expect(stored.createdAt).toBe(s.clock.now());
  });

  test("defaults the timestamp to now", async () => {
    s.clock.set(Date.UTC(2026, 2, 3, 4, 5, 6));
    const { body } = await acceptOne(event());
    const stored = (await s.store.events.get(body.id))!;
    expect(JSON.parse(stored.payload).timestamp).toBe("2026-03-03T04:05:06Z");
    expect(stored.occurredAt).toBe(s.clock.now());
  });

  test("writes the timestamp in whole seconds, rounded down, and keeps the milliseconds as the event's time", async () => {
    const at = Date.UTC(2024, 0, 15, 10, 30, 0, 999);
    const { body } = await acceptOne(event({ timestamp: at }));
    const stored = (await s.store.events.get(body.id))!;
    expect(JSON.parse(stored.payload).timestamp).toBe("2024-01-15T10:30:00Z");
    expect(stored.occurredAt).toBe(at);
  });

  test("defaults to now in whole seconds even when now has milliseconds", async () => {
    s.clock.set(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
    const { body } = await acceptOne(event());
    expect(JSON.parse((await s.store.events.get(body.id))!.payload).timestamp).toBe("2026-03-03T04:05:06Z");
  });
});

describe("wake", () => {
  test("is called once per accept that created a pending delivery", async () => {
    await createEndpoint("acme", ["message.*"]);
    await ingest.accept([event(), event()]);
    expect(wakes).toBe(1);
    await acceptOne(event({ tenant: "globex", callbackUrl: CALLBACK_URL }));
    expect(wakes).toBe(2);
  });

  test("is not called when nothing pending was created: no match, only disabled endpoints, or a replay", async () => {
    const ep = await createEndpoint("acme", ["message.*"]);
    await acceptOne(event({ type: "credit.low" }));
    await acceptOne(event({ idempotencyKey: "k1" }));
    expect(wakes).toBe(1);
    await acceptOne(event({ idempotencyKey: "k1" }));
    await s.store.endpoints.setState({ id: ep.id, state: { enabled: false, reason: "manual" }, now: s.clock.now() });
    await acceptOne(event());
    expect(wakes).toBe(1);
  });
});

describe("Idempotency-Key", () => {
  test("the same key and body answers the first result again, marked replayed, and creates nothing", async () => {
    await createEndpoint("acme", ["*"]);
    const first = await acceptOne(event({ idempotencyKey: "order-1", callbackUrl: CALLBACK_URL }));
    const before = rowCounts();
    s.clock.advance(60_000);
    const again = await acceptOne(event({ idempotencyKey: "order-1", callbackUrl: CALLBACK_URL }));
    expect(again).toEqual({ kind: "accepted", body: first.body, replayed: true });
    expect(rowCounts()).toEqual(before);
  });

  test("the same key with another body is a conflict and creates nothing", async () => {
    await createEndpoint("acme", ["*"]);
    await acceptOne(event({ idempotencyKey: "order-1" }));
    const before = rowCounts();
    const variants: Partial<EventInput>[] = [
      { data: { message_id: "msg_other" } },
      { type: "message.failed" },
      { timestamp: Date.UTC(2024, 0, 1) },
      { callbackUrl: CALLBACK_URL },
    ];
    for (const v of variants) {
      expect(await ingest.accept([event({ idempotencyKey: "order-1", ...v })])).toEqual([{ kind: "conflict", key: "order-1" }]);
    }
    expect(rowCounts()).toEqual(before);
  });

  test("the same key under another tenant is independent", async () => {
    const acme = await acceptOne(event({ idempotencyKey: "order-1" }));
    const globex = await acceptOne(event({ tenant: "globex", idempotencyKey: "order-1", data: { other: true } }));
    expect(globex.replayed).toBe(false);
    expect(globex.body.id).not.toBe(acme.body.id);
    expect(count("events")).toBe(2);
  });

  test("ten concurrent calls with the same key make exactly one event and all answer the same", async () => {
    await createEndpoint("acme", ["*"]);
    const calls = Array.from({ length: 10 }, () => ingest.accept([event({ idempotencyKey: "order-1", callbackUrl: CALLBACK_URL })]));
    const results = (await Promise.all(calls)).map(([r]) => r!);
    expect(count("events")).toBe(1);
    expect(count("deliveries")).toBe(2);
    expect(count("idempotency_keys")).toBe(1);
    const [eventRow] = s.db.query("SELECT id FROM events").all() as { id: string }[];
    expect(results.map((r) => r.kind)).toEqual(Array(10).fill("accepted"));
    const accepted = results as Extract<IngestResult, { kind: "accepted" }>[];
    for (const r of accepted) expect(r.body).toEqual(accepted[0]!.body);
    expect(accepted[0]!.body.id).toBe(eventRow!.id);
    expect(accepted.filter((r) => !r.replayed)).toHaveLength(1);
    expect(wakes).toBe(1);
  });

  test("without a key, repeats are separate events", async () => {
    await acceptOne(event());
    await acceptOne(event());
    expect(count("events")).toBe(2);
    expect(count("idempotency_keys")).toBe(0);
  });
});

describe("test sends", () => {
  test("go to the target only, already leased by the caller, flagged as a test, and wake nobody", async () => {
    const target = await createEndpoint("acme", ["credit.low"]);
    const other = await createEndpoint("acme", ["*"]);
    const leaseMs = 90_000;
    const [result] = await ingest.accept([event()], { test: { target, leaseMs, owner: "node_test" } });
    if (result?.kind !== "accepted") throw new Error("expected accepted");
    expect(result.body.deliveries.map((d) => d.endpoint_id)).toEqual([target.id]);
    const now = s.clock.now();
    expect((await s.store.deliveries.get(result.body.deliveries[0]!.id))!).toMatchObject({
      endpointId: target.id,
      url: target.url,
      status: "pending",
      isTest: true,
      lease: { owner: "node_test", until: now + leaseMs, at: now },
      nextAttemptAt: now + leaseMs,
    });
    expect((await s.store.events.get(result.body.id))!.isTest).toBe(true);
    expect(await s.store.deliveries.list({ limit: 10, endpointId: other.id })).toEqual([]);
    expect((await s.store.deliveries.claimDue({ now, limit: 10, leaseMs: 1000, capacity: { maxPerEndpoint: 10, inFlight: new Map() }, owner: "test-node", newAttemptId: () => `att_${crypto.randomUUID()}` })).claimed).toEqual([]);
    expect(wakes).toBe(0);
  });

  test("go to a disabled target too, so an operator can check it before enabling it", async () => {
    const target = await createEndpoint("acme", ["*"]);
    await s.store.endpoints.setState({ id: target.id, state: { enabled: false, reason: "auto_failing" }, now: s.clock.now() });
    const disabled = (await s.store.endpoints.get(target.id))!;
    const [result] = await ingest.accept([event()], { test: { target: disabled, leaseMs: 1000, owner: "node_test" } });
    if (result?.kind !== "accepted") throw new Error("expected accepted");
    expect((await s.store.deliveries.get(result.body.deliveries[0]!.id))!).toMatchObject({ status: "pending", attemptCount: 0 });
  });
});
