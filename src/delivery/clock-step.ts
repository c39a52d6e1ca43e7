/**
 * Noticing a step of the wall clock. Due times are stored as wall-clock
 * epoch milliseconds, so when an operator or NTP sets the clock an hour
 * forward every pending retry looks an hour overdue (and fires at once), and
 * an hour back every one looks an hour away (and stalls). The monotonic clock
 * never steps: while no step happens, wall − monotonic stays constant (up to
 * drift and slewing, far below the threshold), and when it moves by more than
 * the threshold, that move is the step.
 *
 * A host that was suspended (or a paused VM) looks the same as a forward
 * step, since the monotonic clock stops with it: the schedule then moves
 * with the pause, so retries keep their spacing after the resume instead of
 * all firing at once.
 *
 * Pure logic: the caller reads both clocks and passes the readings in.
 */

/** Steps smaller than this are drift, slewing or timer jitter, not worth moving the schedule for. */
export const DEFAULT_STEP_THRESHOLD_MS = 5000;

/** Remembers the offset between the two clocks and reports how far it moved. */
export class ClockStepDetector {
  private offset: number | null = null;

  constructor(private readonly thresholdMs = DEFAULT_STEP_THRESHOLD_MS) {}

  /**
   * Takes one reading of both clocks. Answers the wall clock's step since the
   * previous reading (positive: forward), or 0 when it moved by no more than
   * the threshold. The first reading only sets the baseline. Every reading
   * becomes the new baseline, so slow drift never adds up to a false step,
   * and a step is reported once.
   */
  observe(wallMs: number, monotonicMs: number): number {
    const offset = wallMs - monotonicMs;
    const previous = this.offset;
    this.offset = offset;
    if (previous === null) return 0;
    const step = offset - previous;
    return Math.abs(step) > this.thresholdMs ? step : 0;
  }

  /** Keeps a reported step the caller could not act on pending: the next reading reports it again. */
  keepPending(step: number): void {
    if (this.offset !== null) this.offset -= step;
  }
}
