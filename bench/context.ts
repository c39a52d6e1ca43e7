/**
 * What every run shares: the executable, the work dir, the admin token, the
 * receiver process, daemon start/stop with peak-memory bookkeeping, and
 * progress lines on stderr (stdout carries only the table and the JSON line).
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { jsonChild, type JsonChild } from "./child-io.ts";
import { spawnTracked } from "./children.ts";
import { startBenchDaemon, type BenchDaemon } from "./daemon.ts";
import type { Sizes } from "./options.ts";

export interface ReceiverStats {
  requests: number;
  unique: number;
  duplicates: number;
  /** Distinct client ports since the reset: connections the sender opened. */
  connections: number;
  missing_id: number;
  bad_bodies: number;
  first_at: number;
  last_at: number;
  latency_ms: { n: number; p50: number; p95: number; p99: number; max: number } | null;
}

export interface ReceiverHandle {
  /** Where endpoints point: http://127.0.0.1:PORT/hook. */
  hookUrl: string;
  port: number;
  reset(latency?: boolean): Promise<void>;
  stats(): Promise<ReceiverStats>;
  /** Resolves with the stats once `count` distinct webhook-ids arrived; throws after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<ReceiverStats>;
}

export interface BenchContext {
  binary: string;
  workDir: string;
  token: string;
  sizes: Sizes;
  /** Keep data dirs after their run (--keep). */
  keep: boolean;
  receiver: ReceiverHandle;
  progress(line: string): void;
  /** A fresh empty dir under the work dir. */
  dataDir(name: string): string;
  startDaemon(name: string, dataDir: string): Promise<BenchDaemon>;
  /** Stops it (SIGTERM) after noting its peak RSS; throws if it exits non-zero. */
  stopDaemon(daemon: BenchDaemon, name: string): Promise<void>;
  /** The highest VmHWM seen of any daemon, and which run it was. */
  peak: { bytes: number; run: string };
}

/** Runs a bench/*.ts script as its own Bun process, reading its JSON lines. */
export function spawnBunScript(script: string, args: string[]): JsonChild {
  const proc = spawnTracked([process.execPath, join(import.meta.dir, script), ...args], { stdout: "pipe", stderr: "inherit" });
  return jsonChild(proc, script);
}

/** Starts bench/receiver.ts and answers a handle to it. */
export async function startReceiver(): Promise<ReceiverHandle> {
  const child = spawnBunScript("receiver.ts", []);
  const { port } = await child.line((r) => r.ready === true, 10_000, "receiver ready line");
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string, init?: RequestInit): Promise<ReceiverStats> => {
    const res = await fetch(base + path, init);
    if (!res.ok) throw new Error(`receiver ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as ReceiverStats;
  };
  return {
    hookUrl: `${base}/hook`,
    port,
    async reset(latency = false) {
      await get(`/__reset${latency ? "?latency=1" : ""}`, { method: "POST" });
    },
    stats: () => get("/__stats"),
    async waitFor(count, timeoutMs) {
      const s = await get(`/__wait?count=${count}&timeout=${timeoutMs}`);
      if (s.unique < count) throw new Error(`receiver: ${s.unique} of ${count} deliveries arrived within ${timeoutMs} ms`);
      return s;
    },
  };
}

export function createContext(o: { binary: string; workDir: string; token: string; sizes: Sizes; keep: boolean; receiver: ReceiverHandle }): BenchContext {
  const started = performance.now();
  const ctx: BenchContext = {
    ...o,
    progress: (line) => process.stderr.write(`bench [${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s]: ${line}\n`),
    dataDir: (name) => mkdtempSync(join(o.workDir, `${name}-data-`)),
    startDaemon: (name, dataDir) => startBenchDaemon({ binary: o.binary, dataDir, token: o.token, workDir: o.workDir, name }),
    async stopDaemon(daemon, name) {
      const hwm = daemon.peakRss();
      if (hwm > ctx.peak.bytes) ctx.peak = { bytes: hwm, run: name };
      const code = await daemon.stop();
      if (code !== 0) throw new Error(`hookgate (${name}) exited with ${code}; see ${join(o.workDir, `${name}.log`)}`);
    },
    peak: { bytes: 0, run: "" },
  };
  return ctx;
}
