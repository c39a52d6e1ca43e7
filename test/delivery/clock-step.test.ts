import { describe, expect, test } from "bun:test";
import { FakeClock } from "../../src/clock.ts";
import { ClockStepDetector } from "../../src/delivery/clock-step.ts";

const HOUR = 3_600_000;

/** A detector reading `clock`, as the dispatcher does on each look. */
function watching(clock: FakeClock, thresholdMs = 5000) {
  const detector = new ClockStepDetector(thresholdMs);
  return { detector, look: () => detector.observe(clock.now(), clock.monotonic()) };
}

describe("ClockStepDetector", () => {
  test("the first reading only sets the baseline", () => {
    const clock = new FakeClock();
    clock.step(HOUR);
    expect(watching(clock).look()).toBe(0);
  });

  test("time passing on both clocks is no step, however long", () => {
    const clock = new FakeClock();
    const { look } = watching(clock);
    look();
    for (const ms of [1, 999, 60_000, 24 * HOUR]) {
      clock.advance(ms);
      expect(look()).toBe(0);
    }
  });

  test.each([
    ["an hour forward", HOUR],
    ["an hour back", -HOUR],
    ["just over the threshold forward", 5001],
    ["just over the threshold back", -5001],
  ])("reports a step of %s once, with its sign", (_name, step) => {
    const clock = new FakeClock();
    const { look } = watching(clock);
    look();
    clock.advance(30_000);
    clock.step(step);
    expect(look()).toBe(step);
    clock.advance(30_000);
    expect(look()).toBe(0);
  });

  test.each([5000, -5000, 1, -1])("ignores a move of %p ms, within the 5000 ms threshold", (step) => {
    const clock = new FakeClock();
    const { look } = watching(clock);
    look();
    clock.step(step);
    expect(look()).toBe(0);
  });

  test("slow drift never adds up to a step: each reading is the next baseline", () => {
    const clock = new FakeClock();
    const { look } = watching(clock);
    look();
    for (let i = 0; i < 100; i++) {
      clock.advance(60_000);
      clock.step(100); // 100 ms per minute, 10 s in all
      expect(look()).toBe(0);
    }
  });

  test("a step kept pending is reported again by the next reading", () => {
    const clock = new FakeClock();
    const { detector, look } = watching(clock);
    look();
    clock.step(-HOUR);
    expect(look()).toBe(-HOUR);
    detector.keepPending(-HOUR);
    clock.advance(1000);
    expect(look()).toBe(-HOUR);
    expect(look()).toBe(0);
  });

  test("the threshold is configurable", () => {
    const clock = new FakeClock();
    const { look } = watching(clock, 100);
    look();
    clock.step(101);
    expect(look()).toBe(101);
  });
});
