/**
 * Runs wrk with bench/wrk/post.lua against one URL and parses the JSON line
 * its done() prints. Any failed request (a non-2xx answer, which wrk counts
 * as "Non-2xx or 3xx responses", or a socket error) fails the run: a figure
 * made of errors is no figure.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnTracked } from "./children.ts";

const SCRIPT = join(import.meta.dir, "wrk/post.lua");

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

export interface WrkOptions {
  url: string;
  body: string;
  /** Admin token for the Authorization header; null: none (the bare server). */
  token: string | null;
  connections: number;
  threads: number;
  durationS: number;
  /** Where the body file is written. */
  workDir: string;
}

/** Exits with the install hint when wrk is not on the PATH. */
export function requireWrk(): string {
  const wrk = Bun.which("wrk");
  if (wrk === null) {
    process.stderr.write("bench: wrk not found. Install it with `apt-get install -y wrk` (Debian/Ubuntu) and run again.\n");
    process.exit(2);
  }
  return wrk;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const bodyFile = join(o.workDir, `wrk-body-${Bun.hash(o.body).toString(16)}.json`);
  writeFileSync(bodyFile, o.body);
  const args = [requireWrk(), `-t${o.threads}`, `-c${o.connections}`, `-d${o.durationS}s`, "--timeout", "10s", "-s", SCRIPT, o.url];
  const proc = spawnTracked(args, {
    env: { ...(process.env as Record<string, string>), BENCH_BODY_FILE: bodyFile, BENCH_TOKEN: o.token ?? "" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr as ReadableStream<Uint8Array>).text(), proc.exited]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (code !== 0 || !line) throw new Error(`wrk exited ${code} without a result:\n${out}\n${err}`);
  const r = JSON.parse(line.slice("BENCH_JSON ".length)) as {
    requests: number;
    duration_us: number;
    errors: Record<string, number>;
    latency_us: Record<string, number>;
  };
  const failed = Object.entries(r.errors).filter(([, n]) => n > 0);
  if (failed.length > 0) {
    throw new Error(`wrk against ${o.url}: ${failed.map(([k, n]) => `${n} ${k === "status" ? "non-2xx responses" : `${k} errors`}`).join(", ")}\n${out}`);
  }
  const ms = (us: number) => us / 1000;
  return {
    requests: r.requests,
    seconds: r.duration_us / 1e6,
    requestsPerSecond: r.requests / (r.duration_us / 1e6),
    latencyMs: {
      p50: ms(r.latency_us.p50!),
      p90: ms(r.latency_us.p90!),
      p99: ms(r.latency_us.p99!),
      max: ms(r.latency_us.max!),
      mean: ms(r.latency_us.mean!),
    },
  };
}
