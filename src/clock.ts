/**
 * The one place that reads the clocks. Everything else takes a Clock, so
 * tests can pass a fake one and advance it instead of sleeping.
 *
 * Two clocks, because they fail differently: the wall clock is what the
 * database stores (due times, created_at) and can be stepped by an operator
 * or NTP; the monotonic clock only measures elapsed time and never steps.
 * Comparing the two is how a step of the wall clock is noticed.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (wall clock; may step). */
  now(): number;
  /** Milliseconds since an arbitrary origin; never steps, for measuring elapsed time. */
  monotonic(): number;
}

/** The real clocks. */
export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * Clocks that only move when told to; for tests. `advance` and `set` are
 * time passing (both clocks move), `step` is the wall clock being reset
 * while no time passes (only the wall clock moves).
 */
export class FakeClock implements Clock {
  private mono = 0;
  constructor(private ms = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  monotonic(): number {
    return this.mono;
  }
  /** Lets time pass (or, with a negative value, winds both clocks back). */
  advance(ms: number): void {
    this.ms += ms;
    this.mono += ms;
  }
  /** Lets time pass until the wall clock reads `ms`. */
  set(ms: number): void {
    this.advance(ms - this.ms);
  }
  /** Steps the wall clock by `ms` (forward or back) while no time passes, as an operator or NTP would. */
  step(ms: number): void {
    this.ms += ms;
  }
}
