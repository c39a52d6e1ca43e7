/**
 * The time budget of one delivery attempt: one deadline for resolving,
 * connecting, the TLS handshake, writing and reading to the last byte.
 * Waiting for a per-origin slot pauses it: that wait is ours, not the
 * receiver's.
 */
export class Budget {
  /** True once the deadline passed (as opposed to an abort by close()). */
  expired = false;
  aborted = false;
  /** Called once when the budget ends: the attempt drops its connection there. */
  onEnd: (() => void) | null = null;
  private left: number;
  private since = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wake: (() => void) | undefined;

  constructor(ms: number) {
    this.left = ms;
    this.resume();
  }

  /** Ends the attempt now: onEnd runs and a pending race() returns "aborted". */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.wake?.();
    this.onEnd?.();
  }

  /** Settles with `work`, or with "aborted" once the budget ends, so a hanging resolver cannot outlive it. */
  race<T>(work: Promise<T>): Promise<T | "aborted"> {
    if (this.aborted) return Promise.resolve("aborted");
    const ended = new Promise<"aborted">((resolve) => (this.wake = () => resolve("aborted")));
    return Promise.race([work, ended]).finally(() => (this.wake = undefined));
  }

  resume(): void {
    this.since = performance.now();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.abort();
    }, Math.max(0, this.left));
  }

  pause(): void {
    clearTimeout(this.timer);
    this.left -= performance.now() - this.since;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
