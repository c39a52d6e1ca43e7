/**
 * Start-up on a deep backlog: 100,000 pending deliveries, all overdue, in a
 * data dir built directly with bun:sqlite. The daemon must start sending at
 * once (it claims from an index, it does not load the backlog) and its
 * memory must stay bounded while it works through it.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { buildBacklog } from "../helpers/backlog.ts";
import { cleanupDaemons, startDaemon, tempDir } from "../helpers/daemon.ts";
import { startReceiver } from "../helpers/receiver.ts";

afterAll(cleanupDaemons);

const BACKLOG = 100_000;
const ENDPOINTS = 8;
/** Generous bounds: the real figures (printed) are far below them. */
const FIRST_ATTEMPT_WITHIN_MS = 5000;
const RSS_LIMIT_BYTES = 150 * 1024 * 1024;
const WATCH_MS = 4000;

/** Resident set size of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

test(
  `with ${BACKLOG.toLocaleString("en")} pending deliveries at start-up, the first attempts go out at once and memory stays bounded`,
  async () => {
    const receiver = startReceiver();
    try {
      const dataDir = tempDir("hookgate-backlog-");
      const urls = Array.from({ length: ENDPOINTS }, (_, i) => `${receiver.url}/e${i}`);
      const built = performance.now();
      await buildBacklog(dataDir, { urls, deliveries: BACKLOG });
      console.log(`backlog: ${BACKLOG} deliveries written in ${Math.round(performance.now() - built)} ms`);

      const spawnedAt = Date.now();
      const daemon = await startDaemon({ config: "[delivery]\nrequire_https = false\nallow_private_networks = true\n", dataDir });
      const listeningAt = Date.parse(daemon.logs().find((r) => r.msg === "listening")!.time);
      const [first] = await receiver.waitFor(null, 1, FIRST_ATTEMPT_WITHIN_MS + 10_000);

      let peak = 0;
      const watchUntil = Date.now() + WATCH_MS;
      while (Date.now() < watchUntil) {
        peak = Math.max(peak, rssBytes(daemon.proc.pid));
        await Bun.sleep(100);
      }
      const delivered = receiver.requests.length;
      expect(await daemon.stop()).toBe(0);

      const fromSpawn = first!.receivedAt - spawnedAt;
      const fromListening = first!.receivedAt - listeningAt;
      console.log(
        `backlog: first attempt ${fromSpawn} ms after spawn (${fromListening} ms after "listening"); ` +
          `peak RSS ${(peak / 1024 / 1024).toFixed(1)} MiB; ${delivered} delivered in the ${WATCH_MS} ms watched`,
      );
      expect(fromSpawn).toBeLessThan(FIRST_ATTEMPT_WITHIN_MS);
      expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
      expect(delivered).toBeGreaterThan(0);
    } finally {
      receiver.close();
    }
  },
  90_000,
);
