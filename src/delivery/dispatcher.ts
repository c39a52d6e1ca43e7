/**
 * The dispatcher: keeps up to `concurrency` attempts in flight, at most
 * `max_in_flight_per_endpoint` per endpoint, refilling a slot as soon as one
 * frees. It claims due deliveries from the store with a lease and sleeps on
 * one re-armed timer until the earliest due time or until ingest wakes it;
 * it never polls. A failed delivery is data (recorded by the deliverer); an
 * error here is internal, logged, and the lease brings the delivery back.
 * Each look first checks the wall clock against the monotonic one, and moves
 * the stored schedule along with a step of the wall clock.
 */
import type { Clock } from "../clock.ts";
import { createIdGenerator, type IdGenerator } from "../domain/ids.ts";
import type { Logger } from "../log.ts";
import { noObserver, type DeliveryObserver } from "../metrics/observer.ts";
import type { ClaimedDelivery, Store } from "../store/contract.ts";
import { ClockStepDetector, DEFAULT_STEP_THRESHOLD_MS } from "./clock-step.ts";
import { logAttemptAtDebug } from "./attempt-debug-log.ts";
import { Slots } from "./slots.ts";
import type { Deliverer } from "./deliver.ts";

export interface DispatcherOptions {
  concurrency: number;
  maxPerEndpoint: number;
  /** How long a claim holds a delivery; longer than the attempt timeout. */
  leaseMs: number;
  /** This process's node id: the owner of the leases it takes. */
  owner: string;
  /**
   * Whose leases are dead when this process starts: "all" when it alone
   * uses the database (SQLite holds the data dir lock, so any lease left is
   * a dead process's), else its own from an earlier run (its node id).
   */
  deadAtStart: string[] | "all";
  /** Ids for the attempts recorded interrupted (dead leases); by default from `clock`. */
  ids?: IdGenerator;
  /** A wall-clock step larger than this moves the schedule; default DEFAULT_STEP_THRESHOLD_MS. */
  clockStepThresholdMs?: number;
  /** Hears of each attempt once it is recorded, and of those recorded interrupted at start; for the metrics and the failure log. */
  observer?: DeliveryObserver;
}

/** Longest sleep between looks at the clock, so a stepped clock is noticed. */
const MAX_SLEEP_MS = 60_000;
/** Pause after an internal error before trying again. */
const ERROR_BACKOFF_MS = 1000;
/**
 * Due work that could not be claimed waits for a slot; a finishing attempt
 * wakes the dispatcher, and this is only the backstop.
 */
const BLOCKED_RECHECK_MS = 1000;

export class Dispatcher {
  private readonly slots = new Slots();
  private readonly running = new Set<Promise<void>>();
  private timer: Timer | null = null;
  private wakeScheduled = false;
  private ticking = false;
  private tickAgain = false;
  private started = false;
  private stopping = false;
  private manual = false;
  private readonly clockSteps: ClockStepDetector;
  private tickError: Error | null = null;
  private readonly newAttemptId: () => string;

  constructor(
    private readonly store: Store,
    private readonly deliver: Deliverer,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.clockSteps = new ClockStepDetector(options.clockStepThresholdMs ?? DEFAULT_STEP_THRESHOLD_MS);
    const ids = options.ids ?? createIdGenerator(() => clock.now());
    this.newAttemptId = () => ids("att");
  }

  /**
   * Takes over the leases a dead process left (options.deadAtStart): each
   * attempt it was making is recorded as cut off and made again. Then starts. With `manual`, no timer is armed and
   * nothing wakes it: tests drive it with tick().
   */
  async start(options: { manual?: boolean } = {}): Promise<void> {
    const interrupted = await this.store.deliveries.interruptLeases({ owners: this.options.deadAtStart, now: this.clock.now(), newAttemptId: this.newAttemptId });
    (this.options.observer ?? noObserver).attemptsInterrupted(interrupted);
    if (interrupted.length > 0) {
      this.log.warn({ deliveries: interrupted.length }, "attempts cut off by the end of the previous run recorded as interrupted; making them again");
    }
    this.clockSteps.observe(this.clock.now(), this.clock.monotonic());
    this.manual = options.manual ?? false;
    this.started = true;
    if (!this.manual) await this.tick();
  }

  /** True while claiming work; for /readyz. */
  get isRunning(): boolean {
    return this.started && !this.stopping;
  }

  /** Why the last look at the due work failed (database full, damaged, unwritable), or null when it worked; for /readyz. */
  get lastError(): Error | null {
    return this.tickError;
  }

  /** Attempts in flight now. */
  get inFlightCount(): number {
    return this.slots.inFlight;
  }

  /** Asks for a look at the due work soon; many wakes in one turn make one look. */
  wake(): void {
    if (this.wakeScheduled || this.stopping || !this.started || this.manual) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.tick();
    });
  }

  /** Claims what is due and fits, launches it, and re-arms the timer. Tests call it directly. */
  async tick(): Promise<void> {
    if (this.stopping) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    try {
      const wall = this.clock.now();
      const step = this.clockSteps.observe(wall, this.clock.monotonic());
      if (step !== 0) await this.followClockStep(step, wall);
      const claimedAt = await this.fillSlots();
      await this.armTimer(claimedAt);
      this.tickError = null;
    } catch (err) {
      this.tickError = err instanceof Error ? err : new Error(String(err));
      this.log.error({ err }, "dispatcher tick failed; retrying shortly");
      this.setTimer(ERROR_BACKOFF_MS);
    } finally {
      this.ticking = false;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.wake();
      }
    }
  }

  /** Resolves when no attempt is in flight (tests: after tick(), wait for the attempts it launched). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * Stops claiming, then waits up to `deadlineMs` for attempts in flight to
   * finish and be recorded. What is still in flight then is the caller's to
   * cut off (closing the HTTP client makes each such attempt end
   * "interrupted") and to wait for with recordCutOff().
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running.size === 0) return;
    this.log.info({ in_flight: this.running.size, deadline_ms: deadlineMs }, "draining deliveries in flight");
    if (!(await this.settledWithin(deadlineMs))) {
      this.log.warn({ in_flight: this.running.size }, "deliveries still in flight at the deadline; cutting them off, to be recorded interrupted and made again after restart");
    }
  }

  /**
   * After stop() and the HTTP client's close(): waits up to `graceMs` for the
   * cut-off attempts to be recorded (as interrupted), so the store can close
   * behind them. One that is not recorded by then keeps its lease, and the
   * next start records it interrupted instead: the same outcome, later.
   */
  async recordCutOff(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    if (!(await this.settledWithin(graceMs))) {
      this.log.warn({ in_flight: this.running.size }, "cut-off attempts not recorded in time; the next start records them as interrupted");
    }
  }

  /** True when every attempt running now finished (recorded, or failed to be) within `ms`. */
  private async settledWithin(ms: number): Promise<boolean> {
    let timer: Timer | undefined;
    const timeUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([Promise.allSettled([...this.running]).then(() => true), timeUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The wall clock stepped by `step` since the last look (it reads `wall`
   * now): moves every pending due time and lease by the same step, before
   * anything is claimed, so a step forward does not make every retry (and
   * every live lease) due at once, and a step back does not hold them for
   * as long as the step.
   */
  private async followClockStep(step: number, wall: number): Promise<void> {
    let moved: number;
    try {
      moved = await this.store.deliveries.shiftSchedule({ stepMs: step, writtenBefore: wall - step });
    } catch (err) {
      // Not moved: keep the step pending, so the next look tries again (tick logs the error).
      this.clockSteps.keepPending(step);
      throw err;
    }
    this.log.warn({ step_ms: step, deliveries: moved }, "wall clock stepped; pending deliveries moved with it");
  }

  /** Claims until the slots are full or nothing more fits; returns the time of the last look. */
  private async fillSlots(): Promise<number> {
    const { concurrency, maxPerEndpoint, leaseMs, owner } = this.options;
    const capacity = { maxPerEndpoint, inFlight: this.slots.perEndpoint };
    let now = this.clock.now();
    while (!this.stopping) {
      const free = concurrency - this.slots.inFlight;
      if (free <= 0) break;
      now = this.clock.now();
      const { claimed, interrupted } = await this.store.deliveries.claimDue({ now, limit: free, leaseMs, owner, capacity, newAttemptId: this.newAttemptId });
      if (interrupted.length > 0) {
        (this.options.observer ?? noObserver).attemptsInterrupted(interrupted);
        this.log.warn({ deliveries: interrupted.length }, "leases ran out before their attempts were recorded; attempts recorded as interrupted, making them again");
      }
      // stop() may have come while the claim was out: it no longer waits for
      // new attempts, and the client and store close behind it. What was
      // claimed stays leased; the next start() takes it over.
      if (this.stopping) break;
      for (const c of claimed) this.launch(c);
      if (claimed.length < free) break;
    }
    return now;
  }

  private launch(claimed: ClaimedDelivery): void {
    const freeSlot = this.slots.take(claimed.delivery.endpointId);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      freeSlot();
      this.wake();
    };
    const run = this.attempt(claimed, release).finally(() => {
      release();
      this.running.delete(run);
    });
    this.running.add(run);
  }

  /**
   * Makes the attempt, frees its slot as soon as the request is over, then
   * records it. The slot limits requests to the endpoint, not our own
   * commits: waiting for the fsync while holding it would cap a single
   * endpoint at max_in_flight_per_endpoint per commit. The delivery stays
   * leased until the record lands, so nothing claims it twice meanwhile.
   */
  private async attempt(claimed: ClaimedDelivery, release: () => void): Promise<void> {
    try {
      const record = await this.deliver(claimed);
      release();
      if (!record) return;
      await this.store.deliveries.recordAttempt({ record, now: this.clock.now() });
      // The retry's due time exists only now: look again so the timer is armed for it.
      if (record.next.status === "pending") this.wake();
      (this.options.observer ?? noObserver).attemptRecorded(record);
      logAttemptAtDebug(this.log, record);
    } catch (err) {
      // Not a delivery failure (those are records) but ours: the lease runs out and the delivery is tried again.
      this.log.error({ err, delivery_id: claimed.delivery.id }, "could not make or record an attempt");
    }
  }

  /**
   * Sleeps until the earliest due time. Work that was already due at the
   * last claim and still is could not be claimed (no free slot for it):
   * finishing attempts wake us for that, so it is no reason to spin.
   */
  private async armTimer(claimedAt: number): Promise<void> {
    const earliest = await this.store.deliveries.earliestDue();
    if (earliest === null) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const delay = earliest <= claimedAt ? BLOCKED_RECHECK_MS : earliest - this.clock.now();
    this.setTimer(Math.min(Math.max(delay, 0), MAX_SLEEP_MS));
  }

  private setTimer(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.stopping || this.manual) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
  }
}
