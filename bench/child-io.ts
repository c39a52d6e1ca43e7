/**
 * The bench's child processes talk in JSON lines on stdout: one line when
 * they are listening (`{"ready":true,...}`), one with their result at the
 * end. This reads those lines and lets the orchestrator await one.
 */
import type { Subprocess } from "bun";

export interface JsonChild {
  proc: Subprocess<"ignore", "pipe", any>;
  /** Resolves with the first JSON line (seen or to come) that matches; rejects on timeout or if the child exits first. */
  line(match: (record: Record<string, any>) => boolean, timeoutMs: number, what: string): Promise<Record<string, any>>;
}

/** Starts reading `proc`'s stdout as JSON lines; anything else on stdout is echoed to stderr. */
export function jsonChild(proc: Subprocess<"ignore", "pipe", any>, name: string): JsonChild {
  const records: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  void (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (text.startsWith("{")) records.push(JSON.parse(text));
        else if (text.trim() !== "") process.stderr.write(`[${name}] ${text}\n`);
      }
      wakeAll();
    }
    ended = true;
    wakeAll();
  })();

  return {
    proc,
    line(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = records.find(match);
          if (found) return finish(() => resolve(found));
          if (ended) finish(() => reject(new Error(`${name} ended (exit ${proc.exitCode}) before ${what}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
