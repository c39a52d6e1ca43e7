/**
 * What the log says about failing endpoints (DESIGN.md, style rule 7). A
 * dead endpoint under load fails thousands of attempts a second, and a warn
 * line for each buries everything else. So per endpoint, a streak of failed
 * attempts writes one warn line at its first failure, then at most one
 * summary per interval (the failures since the previous line, the last
 * error), and one info line at its recovery (the first success: how many
 * failed, for how long). Every failure is counted in exactly one line's
 * `failures`.
 *
 * A summary is written when a failure comes after the interval, not by a
 * timer: failures that stop coming are counted by the next line of the
 * streak instead. Interrupted attempts (hookgate's own cut) and test sends
 * are not the endpoint's doing and are left out, as they are of its health.
 *
 * Memory: one small entry per endpoint failing now, at most `maxStreaks`.
 * Beyond that the streak that failed least recently is forgotten, and a
 * deleted endpoint's streak goes with it; either way its unreported
 * failures are written first, so no count is lost.
 */
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { DeliveryObserver } from "../metrics/observer.ts";
import type { AttemptRecord } from "../store/contract.ts";

/** One summary line per endpoint at most this often, by default. */
export const DEFAULT_SUMMARY_INTERVAL_MS = 60_000;
/** Streaks kept at once, by default: far more endpoints than fail together in practice, a few MB at most. */
export const DEFAULT_MAX_STREAKS = 10_000;

export interface FailureLogOptions {
  log: Logger;
  /** Its monotonic clock times the interval and the streak, so a stepped wall clock changes neither. */
  clock: Clock;
  summaryIntervalMs?: number;
  maxStreaks?: number;
}

interface Streak {
  endpointId: string | null;
  urlHost: string;
  startedAt: number;
  lastLineAt: number;
  /** Failures since the streak's last line. */
  unreported: number;
  total: number;
  lastError: string;
  lastStatus: number | null;
}

/** Follows every endpoint's failure streak and writes the few lines above; an observer of recorded attempts. */
export class FailureLog implements DeliveryObserver {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly maxStreaks: number;
  /** In order of last failure, oldest first (a failure moves its streak to the end). */
  private readonly streaks = new Map<string, Streak>();

  constructor(options: FailureLogOptions) {
    this.log = options.log;
    this.clock = options.clock;
    this.intervalMs = options.summaryIntervalMs ?? DEFAULT_SUMMARY_INTERVAL_MS;
    this.maxStreaks = Math.max(1, options.maxStreaks ?? DEFAULT_MAX_STREAKS);
  }

  /** Endpoints failing now (for tests of the bound). */
  get size(): number {
    return this.streaks.size;
  }

  eventAccepted(): void {}

  attemptsInterrupted(): void {}

  attemptRecorded(record: AttemptRecord): void {
    const { attempt, delivery } = record;
    if (delivery.isTest || attempt.error === "interrupted") return;
    // One-off callback_url deliveries have no endpoint: their destination's host stands for one.
    const key = delivery.endpointId ?? `callback ${hostOf(delivery.url)}`;
    if (attempt.error === null) this.succeeded(key);
    else this.failed(key, attempt.error, record);
  }

  endpointDeleted(endpointId: string): void {
    const streak = this.streaks.get(endpointId);
    if (!streak) return;
    this.streaks.delete(endpointId);
    this.writeUnreported(streak, "endpoint deleted");
  }

  private failed(key: string, error: string, { attempt, delivery }: AttemptRecord): void {
    const now = this.clock.monotonic();
    const status = attempt.statusCode;
    const streak = this.streaks.get(key);
    if (!streak) {
      this.makeRoom();
      const urlHost = hostOf(delivery.url);
      this.streaks.set(key, { endpointId: delivery.endpointId, urlHost, startedAt: now, lastLineAt: now, unreported: 0, total: 1, lastError: error, lastStatus: status });
      this.log.warn(
        { endpoint_id: delivery.endpointId, url_host: urlHost, delivery_id: delivery.id, attempt: attempt.n, error, status, failures: 1 },
        "endpoint failing",
      );
      return;
    }
    streak.total++;
    streak.unreported++;
    streak.lastError = error;
    streak.lastStatus = status;
    this.streaks.delete(key);
    this.streaks.set(key, streak);
    if (now - streak.lastLineAt < this.intervalMs) return;
    this.log.warn({ ...this.figures(streak, now), last_error: error, last_status: status }, "endpoint still failing");
    streak.unreported = 0;
    streak.lastLineAt = now;
  }

  private succeeded(key: string): void {
    const streak = this.streaks.get(key);
    if (!streak) return;
    this.streaks.delete(key);
    this.log.info(this.figures(streak, this.clock.monotonic()), "endpoint recovered");
  }

  /** Forgets the streak that failed least recently when the table is full. */
  private makeRoom(): void {
    if (this.streaks.size < this.maxStreaks) return;
    const [key, oldest] = this.streaks.entries().next().value!;
    this.streaks.delete(key);
    this.writeUnreported(oldest, `more than ${this.maxStreaks} endpoints failing at once`);
  }

  /** A forgotten streak's last summary, when it has failures no line counted yet. */
  private writeUnreported(streak: Streak, why: string): void {
    if (streak.unreported === 0) return;
    this.log.warn(
      { ...this.figures(streak, this.clock.monotonic()), last_error: streak.lastError, last_status: streak.lastStatus, forgotten: why },
      "endpoint still failing",
    );
  }

  private figures(streak: Streak, now: number) {
    return {
      endpoint_id: streak.endpointId,
      url_host: streak.urlHost,
      failures: streak.unreported,
      failures_in_streak: streak.total,
      failing_for_ms: Math.round(now - streak.startedAt),
    };
  }
}

/** The host (and port) of a delivery URL; never its path or query, which may carry a caller's secrets. */
function hostOf(url: string): string {
  return URL.parse(url)?.host ?? "(unparsable url)";
}
