/**
 * A real webhook receiver on 127.0.0.1 for end-to-end tests: records every
 * request (headers, raw body, arrival time) and answers with whatever the
 * test's `respond` says, per path. A "hang" answer never completes until the
 * receiver closes; a promise of an answer (e.g. a slow subscriber) answers
 * when it settles.
 */
import type { Server } from "bun";

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/** What to answer: a status (empty body), a full Response, or "hang". */
export type Answer = number | Response | "hang";

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests to one path (e.g. "/a"). */
  at(path: string): ReceivedRequest[];
  /** Sets how a path answers; `answer(n)` gets the 1-based count of requests to that path. */
  respond(path: string, answer: (n: number, req: ReceivedRequest) => Answer | Promise<Answer>): void;
  /** Resolves once `count` requests reached `path` (or any path when null); rejects after `timeoutMs`. */
  waitFor(path: string | null, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): void;
}

/** Starts a receiver; every path answers 200 until told otherwise. */
export function startReceiver(): Receiver {
  const requests: ReceivedRequest[] = [];
  const answers = new Map<string, (n: number, req: ReceivedRequest) => Answer | Promise<Answer>>();
  const counts = new Map<string, number>();
  const hanging: (() => void)[] = [];
  const waiters: (() => void)[] = [];

  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const body = await req.text();
      const received: ReceivedRequest = { path, headers: Object.fromEntries(req.headers), body, receivedAt: Date.now() };
      requests.push(received);
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      for (const w of waiters.splice(0)) w();
      const answer = await (answers.get(path) ?? (() => 200))(n, received);
      if (answer === "hang") {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response("released", { status: 503 });
      }
      return typeof answer === "number" ? new Response(null, { status: answer }) : answer;
    },
  });

  const at = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    at,
    respond(path, answer) {
      answers.set(path, answer);
    },
    async waitFor(path, count, timeoutMs = 15_000) {
      const matching = () => (path === null ? requests : at(path));
      const deadline = Date.now() + timeoutMs;
      while (matching().length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`receiver: ${matching().length} of ${count} requests to ${path ?? "any path"} after ${timeoutMs}ms`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), Bun.sleep(Math.min(left, 250))]);
      }
      return matching();
    },
    close() {
      for (const release of hanging.splice(0)) release();
      server.stop(true);
    },
  };
}
