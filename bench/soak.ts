#!/usr/bin/env bun
/**
 * The crash soak: clients ingest without pause while the daemon is killed
 * with SIGKILL every few seconds and started again on the same data dir, and
 * the receiver fails a quarter of the requests with 503. After a final
 * drain, every event that was acknowledged with a 202 must have reached the
 * receiver with a 2xx answer (by webhook-id): none lost. Duplicates are
 * allowed (delivery is at least once) and counted.
 *
 *   bun run soak                       # about 2 minutes
 *   bun run soak --duration 30s        # or SOAK_DURATION=30s
 *   bun run soak --clients 32 --kill-every 2s-6s --pace 10ms
 *
 * Prints progress and a JSON summary; exits 1 when an acknowledged event was
 * lost. test/e2e/soak.test.ts runs a short one.
 */
import { Database } from "bun:sqlite";
import { SQL, type Server } from "bun";
import { join } from "node:path";
import { parseDuration } from "../src/domain/duration.ts";
import { cleanupDaemons, startDaemon, tempDir, type Daemon } from "../test/helpers/daemon.ts";

export interface SoakOptions {
  durationMs: number;
  clients: number;
  /** Pause of each client between two events; 0: as fast as the daemon answers. */
  paceMs: number;
  /** A kill comes after a random wait in this range. */
  killEveryMs: [number, number];
  /** Share of the receiver's answers that are 503. */
  failRate: number;
  /** How long the final drain may take before what is missing counts as lost. */
  drainTimeoutMs: number;
  /** Progress lines go here. */
  log: (line: string) => void;
  /**
   * Run `nodes` hookgate processes on this PostgreSQL database instead of
   * one on SQLite; each kill takes a random one, which restarts on its own
   * data dir, and the clients spread their events over the live ones.
   */
  postgres?: { url: string; nodes: number } | undefined;
}

export interface SoakReport {
  duration_ms: number;
  clients: number;
  kills_survived: number;
  acknowledged: number;
  /** Acknowledged events never answered 2xx by the receiver. */
  lost: number;
  lost_ids: string[];
  /** Events the receiver answered 2xx more than once, and the extra 2xx deliveries in all. */
  duplicated_events: number;
  duplicate_deliveries: number;
  /** Events delivered whose 202 the client never saw (the daemon died first); not a loss. */
  delivered_unacknowledged: number;
  receiver_requests: number;
  receiver_503s: number;
  ingest_retries: number;
  deliveries_by_status: Record<string, number>;
  drain_ms: number;
  final_exit_code: number;
}

export const DEFAULT_SOAK: SoakOptions = {
  durationMs: 120_000,
  clients: 16,
  paceMs: 0,
  killEveryMs: [2000, 5000],
  failRate: 0.25,
  drainTimeoutMs: 120_000,
  log: (line) => console.log(line),
};

/**
 * Retries 1s apart, enough of them that a delivery failing only by the
 * receiver's 25% (and the odd attempt cut by a kill) practically never runs
 * out of schedule: 0.25^13 per event.
 */
const CONFIG = `
[server]
shutdown_timeout = "5s"

[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = [${Array(12).fill('"1s"').join(", ")}]
timeout = "5s"
auto_disable_after = "0s"
`;

/** The shared secrets every PostgreSQL node must be given (nothing is generated there). */
const CLUSTER_TOKEN = "soak-admin-token-0123456789abcdef0123456789abcdef";
const CLUSTER_CALLBACKS = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function configFor(postgres: SoakOptions["postgres"]): string {
  if (!postgres) return CONFIG;
  return CONFIG.replace("[server]\n", `[server]\nadmin_token = "${CLUSTER_TOKEN}"\n`) +
    `\n[storage]\ndriver = "postgres"\nurl = "${postgres.url}"\npool_size = 4\n\n[callbacks]\nsecret = "${CLUSTER_CALLBACKS}"\n`;
}

/** Runs one soak; the caller reads `lost` in the report. */
export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = { ...DEFAULT_SOAK, ...options };
  const config = configFor(o.postgres);
  const started = Date.now();
  const successes = new Map<string, number>();
  let requests = 0;
  let refusals = 0;
  const receiver: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.arrayBuffer();
      requests++;
      if (Math.random() < o.failRate) {
        refusals++;
        return new Response("try later", { status: 503 });
      }
      const id = req.headers.get("webhook-id") ?? "";
      successes.set(id, (successes.get(id) ?? 0) + 1);
      return new Response(null, { status: 204 });
    },
  });

  // One node on SQLite, or several on one PostgreSQL database, each with its own data dir.
  const dataDirs = Array.from({ length: o.postgres?.nodes ?? 1 }, () => tempDir("hookgate-soak-"));
  const nodes: (Daemon | null)[] = [];
  for (const dataDir of dataDirs) nodes.push(await startDaemon({ config, dataDir }));
  const token = nodes[0]!.token;
  expectStatus(await nodes[0]!.api("POST", "/v1/endpoints", { url: `http://127.0.0.1:${receiver.port}/hook` }), 201);

  const acknowledged = new Map<string, string>(); // idempotency key -> event id
  let ingestRetries = 0;
  let kills = 0;
  let running = true;
  const endAt = started + o.durationMs;

  /** Sends events one after another, each under its own Idempotency-Key, retrying a key until it is acknowledged. */
  const client = async (c: number) => {
    for (let seq = 0; running; seq++) {
      const key = `soak-${c}-${seq}`;
      while (running) {
        const live = nodes.filter((n) => n !== null);
        const url = live[(c + seq) % Math.max(1, live.length)]?.url;
        if (url && (await ingestOnce(url, token, key, { client: c, seq }, acknowledged))) break;
        ingestRetries++;
        await Bun.sleep(50);
      }
      if (o.paceMs > 0) await Bun.sleep(o.paceMs);
    }
  };
  const clients = Array.from({ length: o.clients }, (_, c) => client(c));

  const progress = setInterval(() => o.log(`soak: ${Math.round((Date.now() - started) / 1000)}s, ${acknowledged.size} acknowledged, ${kills} kills`), 5000);
  try {
    for (;;) {
      const wait = o.killEveryMs[0] + Math.random() * (o.killEveryMs[1] - o.killEveryMs[0]);
      if (Date.now() + wait >= endAt) break;
      await Bun.sleep(wait);
      const i = Math.floor(Math.random() * nodes.length);
      const victim: Daemon = nodes[i]!;
      nodes[i] = null;
      await victim.kill9();
      kills++;
      nodes[i] = await startDaemon({ config, dataDir: dataDirs[i]! });
    }
    await Bun.sleep(Math.max(0, endAt - Date.now()));
    running = false;
    await Promise.all(clients);
  } finally {
    clearInterval(progress);
  }

  // The final drain: the last daemon runs until every acknowledged event has a 2xx, or the bound.
  const drainStart = Date.now();
  const missing = () => [...acknowledged.values()].filter((id) => !successes.has(id));
  while (missing().length > 0 && Date.now() - drainStart < o.drainTimeoutMs) await Bun.sleep(200);
  const drainMs = Date.now() - drainStart;
  const byStatus = o.postgres ? await deliveriesByStatusPostgres(o.postgres.url) : deliveriesByStatus(join(dataDirs[0]!, "hookgate.db"));
  let finalExit = 0;
  for (const node of nodes) finalExit = Math.max(finalExit, await node!.stop());
  receiver.stop(true);

  const ackedIds = new Set(acknowledged.values());
  const lost = missing();
  const counts = [...successes.values()];
  const report: SoakReport = {
    duration_ms: Date.now() - started,
    clients: o.clients,
    kills_survived: kills,
    acknowledged: acknowledged.size,
    lost: lost.length,
    lost_ids: lost.slice(0, 20),
    duplicated_events: counts.filter((n) => n > 1).length,
    duplicate_deliveries: counts.reduce((sum, n) => sum + n - 1, 0),
    delivered_unacknowledged: [...successes.keys()].filter((id) => !ackedIds.has(id)).length,
    receiver_requests: requests,
    receiver_503s: refusals,
    ingest_retries: ingestRetries,
    deliveries_by_status: byStatus,
    drain_ms: drainMs,
    final_exit_code: finalExit,
  };
  await cleanupDaemons();
  return report;
}

/** One POST /v1/events; true once the event is acknowledged (202, first time or replayed). */
async function ingestOnce(url: string, token: string, key: string, data: Record<string, unknown>, acknowledged: Map<string, string>): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
      body: JSON.stringify({ type: "message.delivered", data }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 202) return false;
    acknowledged.set(key, body.id!);
    return true;
  } catch (err) {
    // The daemon was killed under this request, or is still starting: the
    // caller retries the same key, which the Idempotency-Key makes safe.
    if (err instanceof Error) return false;
    throw err;
  }
}

function deliveriesByStatus(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db.query("SELECT status, count(*) AS n FROM deliveries GROUP BY status").all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
}

async function deliveriesByStatusPostgres(url: string): Promise<Record<string, number>> {
  const sql = new SQL(url);
  try {
    const rows = (await sql`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`) as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    await sql.close();
  }
}

function expectStatus(res: { status: number; json: unknown }, status: number): void {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${JSON.stringify(res.json)}`);
}

/** `--duration 30s --clients 16 --kill-every 2s-5s --fail-rate 0.25 --pace 0ms`, with SOAK_DURATION as the default duration. */
export function parseSoakArgs(argv: string[], env: Record<string, string | undefined>): Partial<SoakOptions> {
  const options: Partial<SoakOptions> = {};
  const duration = (text: string, flag: string) => {
    const ms = parseDuration(text);
    if (ms === null) throw new Error(`${flag}: expected a duration such as "30s" or "2m", got "${text}"`);
    return ms;
  };
  if (env.SOAK_DURATION) options.durationMs = duration(env.SOAK_DURATION, "SOAK_DURATION");
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--duration") options.durationMs = duration(value, flag);
    else if (flag === "--clients") options.clients = Number.parseInt(value, 10);
    else if (flag === "--fail-rate") options.failRate = Number(value);
    else if (flag === "--pace") options.paceMs = duration(value, flag);
    else if (flag === "--drain-timeout") options.drainTimeoutMs = duration(value, flag);
    else if (flag === "--kill-every") {
      const [lo, hi] = value.split("-");
      options.killEveryMs = [duration(lo!, flag), duration(hi ?? lo!, flag)];
    } else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

if (import.meta.main) {
  let options: Partial<SoakOptions>;
  try {
    options = parseSoakArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exit(64);
  }
  const report = await runSoak(options);
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `soak: ${report.acknowledged} acknowledged, ${report.lost} lost, ${report.duplicated_events} delivered more than once ` +
      `(${report.duplicate_deliveries} extra), ${report.kills_survived} kills survived`,
  );
  process.exit(report.lost === 0 && report.final_exit_code === 0 ? 0 : 1);
}
