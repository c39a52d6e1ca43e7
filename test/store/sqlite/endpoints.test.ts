import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Endpoint } from "../../../src/domain/model.ts";
import { openFreshStore, type FreshStore } from "../../helpers/store.ts";

let s: FreshStore;

beforeEach(() => {
  s = openFreshStore();
});
afterEach(() => s.cleanup());

/** Creates `n` endpoints one millisecond apart and answers them in creation order. */
async function createMany(n: number, tenantOf: (i: number) => string = () => "default"): Promise<Endpoint[]> {
  const made: Endpoint[] = [];
  for (let i = 0; i < n; i++) {
    s.clock.advance(1);
    made.push(await s.store.endpoints.create({ endpoint: s.newEndpoint({ tenant: tenantOf(i) }), now: s.clock.now() }));
  }
  return made;
}

const ids = (endpoints: Endpoint[]) => endpoints.map((e) => e.id);

describe("create and get", () => {
  test("stores every field and starts enabled with no failure streak", async () => {
    const input = s.newEndpoint({
      tenant: "acme",
      url: "https://hooks.acme.test/in",
      description: "billing",
      eventTypes: ["message.*", "credit.low"],
      headers: { "X-Api-Key": "k1" },
      metadata: { team: "billing", priority: 2, nested: { on: true } },
    });
    const now = s.clock.now();
    const expected: Endpoint = {
      id: input.id,
      tenant: "acme",
      url: "https://hooks.acme.test/in",
      description: "billing",
      eventTypes: ["message.*", "credit.low"],
      headers: { "X-Api-Key": "k1" },
      metadata: { team: "billing", priority: 2, nested: { on: true } },
      state: "enabled",
      disabledReason: null,
      failingSince: null,
      lastSuccessAt: null,
      consecutiveFailures: 0,
      createdAt: now,
      updatedAt: now,
    };
    expect(await s.store.endpoints.create({ endpoint: input, now })).toEqual(expected);
    expect(await s.store.endpoints.get(input.id)).toEqual(expected);
  });

  test("answers null for an unknown id", async () => {
    expect(await s.store.endpoints.get("ep_00000000000000000000000000")).toBeNull();
  });

  test("refuses a second endpoint with the same id and keeps the first", async () => {
    const input = s.newEndpoint({ url: "https://first.test/" });
    await s.store.endpoints.create({ endpoint: input, now: s.clock.now() });
    await expect(s.store.endpoints.create({ endpoint: { ...input, url: "https://second.test/" }, now: s.clock.now() })).rejects.toThrow(/UNIQUE/);
    expect((await s.store.endpoints.get(input.id))!.url).toBe("https://first.test/");
  });
});

describe("list", () => {
  test("answers newest first", async () => {
    const made = await createMany(5);
    expect(ids(await s.store.endpoints.list({ limit: 50 }))).toEqual(ids(made).reverse());
  });

  test("answers at most limit endpoints", async () => {
    const made = await createMany(5);
    expect(ids(await s.store.endpoints.list({ limit: 2 }))).toEqual(ids(made).reverse().slice(0, 2));
  });

  test("pages with the before cursor through every endpoint once", async () => {
    const made = await createMany(7);
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await s.store.endpoints.list({ limit: 3, before });
      if (page.length === 0) break;
      seen.push(...ids(page));
      before = page.at(-1)!.id;
    }
    expect(seen).toEqual(ids(made).reverse());
  });

  test("answers only the endpoints older than before", async () => {
    const made = await createMany(4);
    expect(ids(await s.store.endpoints.list({ limit: 50, before: made[2]!.id }))).toEqual([made[1]!.id, made[0]!.id]);
  });

  test("filters by tenant, also across pages", async () => {
    const made = await createMany(6, (i) => (i % 2 === 0 ? "acme" : "globex"));
    const acme = ids(made.filter((e) => e.tenant === "acme")).reverse();
    expect(ids(await s.store.endpoints.list({ limit: 50, tenant: "acme" }))).toEqual(acme);
    const first = await s.store.endpoints.list({ limit: 2, tenant: "acme" });
    const second = await s.store.endpoints.list({ limit: 2, tenant: "acme", before: first.at(-1)!.id });
    expect([...ids(first), ...ids(second)]).toEqual(acme);
    expect(await s.store.endpoints.list({ limit: 50, tenant: "initech" })).toEqual([]);
  });

  test("answers an empty list for an empty table", async () => {
    expect(await s.store.endpoints.list({ limit: 50 })).toEqual([]);
  });
});

describe("update", () => {
  test("changes only the given fields and moves updatedAt", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint({ description: "old", headers: { A: "1" } }), now: s.clock.now() });
    s.clock.advance(5_000);
    const updated = await s.store.endpoints.update({ id: created.id, patch: { url: "https://new.test/hook", eventTypes: ["credit.*"] }, now: s.clock.now() });
    expect(updated).toEqual({ ...created, url: "https://new.test/hook", eventTypes: ["credit.*"], updatedAt: s.clock.now() });
    expect(await s.store.endpoints.get(created.id)).toEqual(updated);
  });

  test.each([
    ["url", { url: "https://other.test/" }],
    ["description", { description: "" }],
    ["eventTypes", { eventTypes: [] }],
    ["headers", { headers: {} }],
    ["metadata", { metadata: { replaced: true } }],
  ])("sets %s, even to an empty value", async (field, patch) => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint({ description: "d", headers: { A: "1" }, metadata: { m: 1 } }), now: s.clock.now() });
    const updated = await s.store.endpoints.update({ id: created.id, patch, now: s.clock.now() });
    expect((updated as unknown as Record<string, unknown>)[field]).toEqual(Object.values(patch)[0]);
  });

  test("answers null for an unknown id", async () => {
    expect(await s.store.endpoints.update({ id: "ep_00000000000000000000000000", patch: { url: "https://x.test/" }, now: s.clock.now() })).toBeNull();
  });
});

describe("setState", () => {
  test("disables with the manual reason and keeps the failure streak", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    s.db.run("UPDATE endpoints SET consecutive_failures = 3, failing_since = ? WHERE id = ?", [s.clock.now() - 60_000, created.id]);
    s.clock.advance(1_000);
    const disabled = await s.store.endpoints.setState({ id: created.id, state: { enabled: false, reason: "manual" }, now: s.clock.now() });
    expect(disabled).toMatchObject({
      state: "disabled",
      disabledReason: "manual",
      consecutiveFailures: 3,
      failingSince: s.clock.now() - 61_000,
      updatedAt: s.clock.now(),
    });
  });

  test("enables, clearing the reason, consecutive_failures and failing_since", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    s.db.run(
      "UPDATE endpoints SET state = 'disabled', disabled_reason = 'auto_failing', consecutive_failures = 42, failing_since = ?, last_success_at = ? WHERE id = ?",
      [s.clock.now() - 86_400_000, s.clock.now() - 90_000_000, created.id],
    );
    s.clock.advance(1_000);
    const enabled = await s.store.endpoints.setState({ id: created.id, state: { enabled: true }, now: s.clock.now() });
    expect(enabled).toMatchObject({
      state: "enabled",
      disabledReason: null,
      consecutiveFailures: 0,
      failingSince: null,
      lastSuccessAt: s.clock.now() - 1_000 - 90_000_000,
      updatedAt: s.clock.now(),
    });
    expect(await s.store.endpoints.get(created.id)).toEqual(enabled);
  });

  test("answers null for an unknown id", async () => {
    expect(await s.store.endpoints.setState({ id: "ep_00000000000000000000000000", state: { enabled: true }, now: s.clock.now() })).toBeNull();
  });
});

describe("remove", () => {
  /** Inserts an event and one delivery of it to `endpointId` with raw SQL; answers the delivery id. */
  function insertDelivery(endpointId: string, status: "pending" | "succeeded" | "failed", nextAttemptAt: number | null): string {
    const now = s.clock.now();
    const eventId = s.ids("evt");
    const deliveryId = s.ids("dlv");
    s.db.run("INSERT INTO events (id, tenant, type, payload, occurred_at, created_at) VALUES (?, 'default', 'message.delivered', '{}', ?, ?)", [eventId, now, now]);
    s.db.run(
      `INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, attempt_count, next_attempt_at, lease_until, created_at, updated_at)
       VALUES (?, ?, 'default', 'message.delivered', ?, 'https://receiver.example.com/hooks', ?, 1, ?, ?, ?, ?)`,
      [deliveryId, eventId, endpointId, status, nextAttemptAt, nextAttemptAt === null ? null : now + 30_000, now, now],
    );
    return deliveryId;
  }

  const delivery = (id: string) =>
    s.db.query("SELECT status, last_error, next_attempt_at, lease_until, updated_at FROM deliveries WHERE id = ?").get(id);

  test("deletes the endpoint and its secrets", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    expect(await s.store.endpoints.remove({ id: created.id, now: s.clock.now() })).toEqual({ failedDeliveries: 0 });
    expect(await s.store.endpoints.get(created.id)).toBeNull();
    expect(s.db.query("SELECT count(*) AS n FROM endpoint_secrets WHERE endpoint_id = ?").get(created.id)).toEqual({ n: 0 });
  });

  test("answers null for an unknown or already removed endpoint", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    await s.store.endpoints.remove({ id: created.id, now: s.clock.now() });
    expect(await s.store.endpoints.remove({ id: created.id, now: s.clock.now() })).toBeNull();
    expect(await s.store.endpoints.remove({ id: "ep_00000000000000000000000000", now: s.clock.now() })).toBeNull();
  });

  test("ends its pending deliveries as failed with endpoint_deleted, says how many, and leaves finished ones untouched", async () => {
    const created = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    const createdAt = s.clock.now();
    const pending = insertDelivery(created.id, "pending", createdAt + 60_000);
    const succeeded = insertDelivery(created.id, "succeeded", null);
    const failed = insertDelivery(created.id, "failed", null);
    s.db.run("UPDATE deliveries SET last_error = 'http_status' WHERE id = ?", [failed]);
    s.clock.advance(10_000);

    expect(await s.store.endpoints.remove({ id: created.id, now: s.clock.now() })).toEqual({ failedDeliveries: 1 });
    expect(delivery(pending)).toEqual({ status: "failed", last_error: "endpoint_deleted", next_attempt_at: null, lease_until: null, updated_at: s.clock.now() });
    expect(delivery(succeeded)).toEqual({ status: "succeeded", last_error: null, next_attempt_at: null, lease_until: null, updated_at: createdAt });
    expect(delivery(failed)).toEqual({ status: "failed", last_error: "http_status", next_attempt_at: null, lease_until: null, updated_at: createdAt });
  });

  test("leaves the pending deliveries of other endpoints alone", async () => {
    const removed = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    const kept = await s.store.endpoints.create({ endpoint: s.newEndpoint(), now: s.clock.now() });
    const other = insertDelivery(kept.id, "pending", s.clock.now() + 60_000);
    await s.store.endpoints.remove({ id: removed.id, now: s.clock.now() });
    expect(delivery(other)).toMatchObject({ status: "pending", last_error: null, next_attempt_at: s.clock.now() + 60_000 });
  });
});
