import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/clock.ts";
import { createIdGenerator, idTime, isId, type IdPrefix } from "../../src/domain/ids.ts";

const CROCKFORD_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const fixedBytes = (value: number) => (n: number) => new Uint8Array(n).fill(value);

/** A small deterministic PRNG (mulberry32), so a failing order test can be replayed. */
function seededBytes(seed: number): (n: number) => Uint8Array {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
  return (n) => Uint8Array.from({ length: n }, next);
}

describe("createIdGenerator", () => {
  test.each(["ep", "evt", "dlv", "att", "req"] as IdPrefix[])("writes %p ids as the prefix, an underscore and a 26-character Crockford body", (prefix) => {
    const id = createIdGenerator(() => Date.UTC(2026, 0, 1), seededBytes(1))(prefix);
    const [head, body] = id.split("_");
    expect(head).toBe(prefix);
    expect(body).toMatch(CROCKFORD_BODY);
    expect(isId(prefix, id)).toBe(true);
  });

  test.each([0, 1, 1_000, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 123, 2 ** 48 - 1])("encodes %p ms so that idTime reads it back", (ms) => {
    expect(idTime(createIdGenerator(() => ms, seededBytes(2))("evt"))).toBe(ms);
  });

  test("encodes the random bytes in the last 16 characters", () => {
    expect(createIdGenerator(() => 0, fixedBytes(0))("ep")).toBe("ep_00000000000000000000000000");
    expect(createIdGenerator(() => 0, fixedBytes(0xff))("ep")).toBe("ep_0000000000ZZZZZZZZZZZZZZZZ");
  });

  test("asks for 10 random bytes per new millisecond and none within one", () => {
    const clock = new FakeClock();
    const asked: number[] = [];
    const ids = createIdGenerator(() => clock.now(), (n) => {
      asked.push(n);
      return new Uint8Array(n);
    });
    ids("ep");
    ids("ep");
    clock.advance(1);
    ids("ep");
    expect(asked).toEqual([10, 10]);
  });

  test("increments the random part within one millisecond, so ids stay in creation order", () => {
    const clock = new FakeClock();
    const ids = createIdGenerator(() => clock.now(), fixedBytes(0));
    const made = Array.from({ length: 100 }, () => ids("dlv"));
    expect(new Set(made.map(idTime))).toEqual(new Set([clock.now()]));
    for (let i = 1; i < made.length; i++) expect(made[i - 1]! < made[i]!).toBe(true);
    expect(made[1]!.slice(-1)).toBe("1");
    expect(made[2]!.slice(-1)).toBe("2");
  });

  test("does not change the random bytes it was given", () => {
    const shared = new Uint8Array(10);
    const ids = createIdGenerator(() => 7, () => shared);
    ids("ep");
    ids("ep");
    ids("ep");
    expect([...shared]).toEqual(new Array(10).fill(0));
  });

  test("keeps creation order when the random part wraps around within one millisecond", () => {
    const ids = createIdGenerator(() => 5_000, fixedBytes(0xff));
    const first = ids("ep");
    const second = ids("ep");
    expect(second > first).toBe(true);
    expect(idTime(second)).toBe(5_001);
  });

  test("keeps creation order when the clock steps back", () => {
    const clock = new FakeClock();
    const ids = createIdGenerator(() => clock.now(), seededBytes(3));
    const first = ids("ep");
    clock.advance(-60_000);
    const second = ids("ep");
    expect(second > first).toBe(true);
    expect(idTime(second)).toBe(idTime(first));
  });

  test("sorts 1000 ids in creation order across and within milliseconds", () => {
    const clock = new FakeClock();
    const ids = createIdGenerator(() => clock.now(), seededBytes(4));
    const made: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) clock.advance(1 + (i % 7));
      made.push(ids("evt"));
    }
    expect(new Set(made).size).toBe(1000);
    expect([...made].sort()).toEqual(made);
  });
});

describe("idTime", () => {
  test.each([
    ["", "an empty string"],
    ["ep_", "a prefix without a body"],
    ["ep_0000000000000000000000000", "a 25-character body"],
    ["ep_000000000000000000000000000", "a 27-character body"],
    ["ep_0000000000000000000000000a", "a lower-case letter"],
    ["ep_000000000000000000000000IL", "the letters I and L, which Crockford base32 leaves out"],
    ["ep_000000000000000000000000OU", "the letters O and U"],
    ["00000000000000000000000000", "no prefix"],
    ["EP_00000000000000000000000000", "an upper-case prefix"],
  ])("answers null for %p (%s)", (id) => {
    expect(idTime(id)).toBeNull();
  });
});

describe("isId", () => {
  test.each([
    ["ep", "ep_00000000000000000000000000", true],
    ["evt", "ep_00000000000000000000000000", false],
    ["ep", "epx_00000000000000000000000000", false],
    ["ep", "ep_short", false],
  ] as [IdPrefix, string, boolean][])("isId(%p, %p) is %p", (prefix, id, expected) => {
    expect(isId(prefix, id)).toBe(expected);
  });
});
