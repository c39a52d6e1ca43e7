/**
 * A full disk while ingesting. Every 202 must be an event on disk, every
 * refusal a 503 `unavailable` for an event that is not, and ingest must come
 * back by itself once there is space again, without a restart.
 *
 * Preferably the real daemon on a small tmpfs (needs permission to mount,
 * as root in a container); where mounting is not permitted, the same
 * scenario runs in-process against the real HTTP app and store on a real
 * database whose PRAGMA max_page_count runs out, which SQLite reports exactly
 * as a full disk (SQLITE_FULL). HOOKGATE_TEST_NO_MOUNT=1 forces the latter.
 */
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { FakeClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { generateSecret } from "../../src/domain/secret.ts";
import { composeFaces } from "../../src/faces.ts";
import { createIngest } from "../../src/ingest/ingest.ts";
import { createLogger } from "../../src/log.ts";
import { createHookgateMetrics } from "../../src/metrics/hookgate-metrics.ts";
import { createOperations } from "../../src/operations/operations.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { cleanupDaemons, startDaemon, tempDir } from "../helpers/daemon.ts";
import { startReceiver } from "../helpers/receiver.ts";

const T = 60_000;
const CLIENTS = 16;
/** Each event carries this much data, so the space runs out after a few dozen. */
const FILLER = "x".repeat(16 * 1024);

/** tmpfs mounts made here; unmounted (lazily, even if a daemon still uses one) before the temp dirs go. */
const mounts: string[] = [];
afterAll(async () => {
  for (const dir of mounts.splice(0)) Bun.spawnSync(["umount", "-l", dir]);
  await cleanupDaemons();
});

/** One way to run hookgate on storage that fills up. */
interface Target {
  name: string;
  post(body: unknown): Promise<{ status: number; json: any }>;
  /** Gives the storage room again. */
  free(): Promise<void>;
  /** Stops hookgate and answers the events on disk, by marker. */
  stopAndReadMarkers(): Promise<Map<string, string>>;
}

/** Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN). */
function canMount(): boolean {
  if (process.env.HOOKGATE_TEST_NO_MOUNT === "1") return false;
  const dir = tempDir("hookgate-mount-probe-");
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { stderr: "pipe" }).exitCode === 0;
  if (mounted) Bun.spawnSync(["umount", dir]);
  return mounted;
}

function run(cmd: string[]): void {
  const r = Bun.spawnSync(cmd, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString()}`);
}

/** The events in a database file: marker -> event id. */
function markersIn(dbFile: string): Map<string, string> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db.query("SELECT id, json_extract(payload, '$.data.marker') AS m FROM events").all() as { id: string; m: string }[];
    return new Map(rows.map((r) => [r.m, r.id]));
  } finally {
    db.close();
  }
}

/** The real daemon with its data dir on a 2 MiB tmpfs, later grown to 64 MiB. */
async function tmpfsDaemon(): Promise<Target> {
  const mountPoint = tempDir("hookgate-tmpfs-");
  run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", mountPoint]);
  mounts.push(mountPoint);
  const receiver = startReceiver();
  const dataDir = join(mountPoint, "data");
  const daemon = await startDaemon({ config: "[delivery]\nrequire_https = false\nallow_private_networks = true\n", dataDir });
  expect((await daemon.api("POST", "/v1/endpoints", { url: `${receiver.url}/hook` })).status).toBe(201);
  return {
    name: "the daemon on a full tmpfs",
    post: (body) => daemon.api("POST", "/v1/events", body),
    free: async () => run(["mount", "-o", "remount,size=64m", mountPoint]),
    async stopAndReadMarkers() {
      try {
        expect(await daemon.stop()).toBe(0);
        return markersIn(join(dataDir, "hookgate.db"));
      } finally {
        receiver.close();
      }
    },
  };
}

/** The HTTP app and store in this process, on a database allowed only a few more pages. */
async function pageLimitedApp(): Promise<Target> {
  const dataDir = join(tempDir("hookgate-full-"), "data");
  const config = configSchema.parse({ storage: { data_dir: dataDir } });
  const clock = new FakeClock();
  const ids = createIdGenerator(() => clock.now());
  const opened = openDatabase(dataDir);
  migrate(opened.db, clock.now());
  const store = createSqliteStore(opened.db, opened.close);
  await store.endpoints.create({ endpoint: { id: ids("ep"), tenant: "default", url: "https://receiver.example.com/hook", description: "", eventTypes: ["*"], headers: {}, metadata: {}, secret: generateSecret((n) => new Uint8Array(n).fill(7)) }, now: clock.now() });
  const { page_count } = opened.db.query("PRAGMA page_count").get() as { page_count: number };
  opened.db.run(`PRAGMA max_page_count = ${page_count + 200}`);
  const token = "disk-full-test-token-0123456789abcdef0123";
  const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const metrics = createHookgateMetrics({ version: "test", perEndpoint: false, backlog: null, inFlight: () => 0 });
  const ops = createOperations({
    config,
    store,
    clock,
    ids,
    randomBytes,
    ingest: createIngest({ store, clock, ids, wake: () => {} }),
    wake: () => {},
    testSend: async () => {
      throw new Error("not used here");
    },
    metrics,
  });
  const app = composeFaces({ config, ops, clock, ids, randomBytes, log: createLogger("silent"), adminToken: token, readiness: [], metrics });
  return {
    name: "the in-process app on a database at its max_page_count",
    async post(body) {
      const res = await app.request("/v1/events", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    },
    free: async () => void opened.db.run("PRAGMA max_page_count = 1073741823"),
    async stopAndReadMarkers() {
      await store.close();
      return markersIn(join(dataDir, "hookgate.db"));
    },
  };
}

test(
  "ingest on a full disk answers 503 unavailable for exactly the events not committed, and recovers by itself when space returns",
  async () => {
    const target = canMount() ? await tmpfsDaemon() : await pageLimitedApp();
    console.log(`disk full: testing ${target.name}`);
    const accepted = new Map<string, string>(); // marker -> event id
    const refused = new Set<string>();
    let sent = 0;
    const sendWave = async () => {
      const markers = Array.from({ length: CLIENTS }, () => `m${sent++}`);
      const answers = await Promise.all(markers.map((marker) => target.post({ type: "message.delivered", data: { marker, filler: FILLER } })));
      answers.forEach((a, i) => {
        if (a.status === 202) accepted.set(markers[i]!, a.json.id);
        else {
          expect(a.status).toBe(503);
          expect(a.json.error.code).toBe("unavailable");
          refused.add(markers[i]!);
        }
      });
      return answers.filter((a) => a.status === 202).length;
    };

    // Fill it: keep sending until plenty of requests were refused (bounded).
    for (let wave = 0; refused.size < 3 * CLIENTS; wave++) {
      if (wave > 500) throw new Error(`the storage never filled up: ${accepted.size} accepted`);
      await sendWave();
    }
    expect(accepted.size).toBeGreaterThan(0);

    // Space returns: ingest works again without a restart.
    await target.free();
    const deadline = Date.now() + 15_000;
    while ((await sendWave()) < CLIENTS) {
      if (Date.now() > deadline) throw new Error("ingest did not recover after space returned");
      await Bun.sleep(100);
    }

    const onDisk = await target.stopAndReadMarkers();
    const lostAcks = [...accepted].filter(([marker, id]) => onDisk.get(marker) !== id);
    const refusedButStored = [...refused].filter((m) => onDisk.has(m));
    console.log(`disk full: ${sent} sent, ${accepted.size} accepted, ${refused.size} refused with 503`);
    expect(lostAcks).toEqual([]);
    expect(refusedButStored).toEqual([]);
    expect(onDisk.size).toBe(accepted.size);
  },
  T,
);
