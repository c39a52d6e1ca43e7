/**
 * The receivers' `/__wait?count=N&timeout=ms`: callers wait until the
 * receiver has seen N distinct webhook-ids, or until the timeout (the answer
 * then shows how far it got).
 */
export class CountWaiters {
  private readonly waiters: { count: number; wake: () => void }[] = [];

  /** Resolves once `seen()` reaches `count`, or after `timeoutMs`. */
  async wait(count: number, timeoutMs: number, seen: () => number): Promise<void> {
    if (seen() >= count) return;
    await new Promise<void>((resolve) => {
      const entry = { count, wake: resolve };
      this.waiters.push(entry);
      setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      }, timeoutMs);
    });
  }

  /** Call after each new id: wakes the waiters whose count is reached. */
  seen(total: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (total >= this.waiters[i]!.count) this.waiters.splice(i, 1)[0]!.wake();
  }
}
