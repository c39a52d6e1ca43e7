import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { generateSecret } from "../../../src/domain/secret.ts";
import type { EndpointSecret } from "../../../src/domain/model.ts";
import { countingBytes, openFreshStore, type FreshStore } from "../../helpers/store.ts";

const OVERLAP = 24 * 3_600_000;
const KEEP = 10;

let s: FreshStore;
let nextSecret: () => string;

beforeEach(() => {
  s = openFreshStore();
  const bytes = countingBytes();
  nextSecret = () => generateSecret((n) => bytes(n).map((b) => b ^ 0x5a));
});
afterEach(() => s.cleanup());

const secretCount = (endpointId: string) =>
  (s.db.query("SELECT count(*) AS n FROM endpoint_secrets WHERE endpoint_id = ?").get(endpointId) as { n: number }).n;

describe("activeSecrets", () => {
  test("answers the one secret given on create, as current", async () => {
    const input = s.newEndpoint();
    await s.store.endpoints.create({ endpoint: input, now: s.clock.now() });
    expect(await s.store.endpoints.activeSecrets({ id: input.id, now: s.clock.now() })).toEqual([{ secret: input.secret, createdAt: s.clock.now(), expiresAt: null }]);
  });

  test("answers nothing for an unknown endpoint", async () => {
    expect(await s.store.endpoints.activeSecrets({ id: "ep_00000000000000000000000000", now: s.clock.now() })).toEqual([]);
  });
});

describe("rotateSecret", () => {
  test("makes the new secret current and keeps the old one signing until now + overlap", async () => {
    const input = s.newEndpoint();
    const createdAt = s.clock.now();
    await s.store.endpoints.create({ endpoint: input, now: createdAt });
    s.clock.advance(60_000);
    const rotatedAt = s.clock.now();
    const fresh = nextSecret();

    const both: EndpointSecret[] = [
      { secret: fresh, createdAt: rotatedAt, expiresAt: null },
      { secret: input.secret, createdAt, expiresAt: rotatedAt + OVERLAP },
    ];
    expect(await s.store.endpoints.rotateSecret({ id: input.id, secret: fresh, now: rotatedAt, overlapMs: OVERLAP, keepPrevious: KEEP })).toEqual(both);
    expect(await s.store.endpoints.activeSecrets({ id: input.id, now: rotatedAt })).toEqual(both);
    expect(await s.store.endpoints.activeSecrets({ id: input.id, now: rotatedAt + OVERLAP - 1 })).toEqual(both);
    expect(await s.store.endpoints.activeSecrets({ id: input.id, now: rotatedAt + OVERLAP })).toEqual(both.slice(0, 1));
  });

  test("answers the current secret first, then the previous ones newest first", async () => {
    const input = s.newEndpoint();
    await s.store.endpoints.create({ endpoint: input, now: s.clock.now() });
    const rotated: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.clock.advance(1_000);
      rotated.push(nextSecret());
      await s.store.endpoints.rotateSecret({ id: input.id, secret: rotated.at(-1)!, now: s.clock.now(), overlapMs: OVERLAP, keepPrevious: KEEP });
    }
    const active = await s.store.endpoints.activeSecrets({ id: input.id, now: s.clock.now() });
    expect(active.map((a) => a.secret)).toEqual([...rotated].reverse().concat(input.secret));
    expect(active[0]!.expiresAt).toBeNull();
  });

  test("keeps at most 10 previous secrets after 12 rotations", async () => {
    const input = s.newEndpoint();
    await s.store.endpoints.create({ endpoint: input, now: s.clock.now() });
    const all = [input.secret];
    for (let i = 0; i < 12; i++) {
      s.clock.advance(1_000);
      all.push(nextSecret());
      await s.store.endpoints.rotateSecret({ id: input.id, secret: all.at(-1)!, now: s.clock.now(), overlapMs: OVERLAP, keepPrevious: KEEP });
    }
    const active = await s.store.endpoints.activeSecrets({ id: input.id, now: s.clock.now() });
    expect(active).toHaveLength(1 + KEEP);
    expect(active.map((a) => a.secret)).toEqual(all.slice(-(1 + KEEP)).reverse());
    expect(secretCount(input.id)).toBe(1 + KEEP);
  });

  test("drops previous secrets whose overlap has ended", async () => {
    const input = s.newEndpoint();
    await s.store.endpoints.create({ endpoint: input, now: s.clock.now() });
    const second = nextSecret();
    await s.store.endpoints.rotateSecret({ id: input.id, secret: second, now: s.clock.now(), overlapMs: OVERLAP, keepPrevious: KEEP });
    s.clock.advance(OVERLAP);
    const third = nextSecret();
    const active = await s.store.endpoints.rotateSecret({ id: input.id, secret: third, now: s.clock.now(), overlapMs: OVERLAP, keepPrevious: KEEP });
    expect(active!.map((a) => a.secret)).toEqual([third, second]);
    expect(secretCount(input.id)).toBe(2);
  });

  test("answers null for an unknown endpoint and stores nothing", async () => {
    expect(await s.store.endpoints.rotateSecret({ id: "ep_00000000000000000000000000", secret: nextSecret(), now: s.clock.now(), overlapMs: OVERLAP, keepPrevious: KEEP })).toBeNull();
    expect(secretCount("ep_00000000000000000000000000")).toBe(0);
  });

  test("leaves the secrets of other endpoints alone", async () => {
    const a = s.newEndpoint();
    const b = s.newEndpoint();
    await s.store.endpoints.create({ endpoint: a, now: s.clock.now() });
    await s.store.endpoints.create({ endpoint: b, now: s.clock.now() });
    for (let i = 0; i < 12; i++) await s.store.endpoints.rotateSecret({ id: a.id, secret: nextSecret(), now: s.clock.now(), overlapMs: 0, keepPrevious: 0 });
    expect(await s.store.endpoints.activeSecrets({ id: b.id, now: s.clock.now() })).toEqual([{ secret: b.secret, createdAt: s.clock.now(), expiresAt: null }]);
  });
});
