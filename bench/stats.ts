/** Small measuring helpers shared by the bench's processes. */
import { readFileSync } from "node:fs";

/** Milliseconds on a clock that every process on this machine reads alike (wall clock, sub-ms precision). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** p50/p95/p99/max of some samples (sorted in place as a Float64Array copy). */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

/** A field of /proc/<pid>/status in bytes (VmRSS: now, VmHWM: the peak so far); null once the process is gone. */
export function procMemory(pid: number, field: "VmRSS" | "VmHWM"): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ESRCH") return null;
    throw err;
  }
  const line = text.split("\n").find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) * 1024 : null;
}

/**
 * Sockets in TIME_WAIT; with `ports`, only those with one end on one of
 * them (the machine is shared, so other people's sockets are left out).
 */
export function timeWaitCount(ports?: Set<number>): number {
  const ss = Bun.spawnSync(["ss", "-tanH", "state", "time-wait"], { stdout: "pipe", stderr: "pipe" });
  if (ss.exitCode !== 0) throw new Error(`ss failed: ${ss.stderr.toString()}`);
  const lines = ss.stdout.toString().split("\n").filter((l) => l.trim() !== "");
  if (!ports) return lines.length;
  const port = (addr: string | undefined) => Number(addr?.slice(addr.lastIndexOf(":") + 1));
  return lines.filter((l) => {
    const cols = l.trim().split(/\s+/);
    // Recv-Q Send-Q Local:Port Peer:Port
    return ports.has(port(cols[2])) || ports.has(port(cols[3]));
  }).length;
}
