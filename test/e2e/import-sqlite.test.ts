/**
 * `hookgate import-sqlite`: a real SQLite hookgate is run, stopped and
 * copied into an empty PostgreSQL database, and a hookgate on PostgreSQL
 * then serves what it had: ids, secrets with their rotation history, the
 * pending schedule, attempts and idempotency keys.
 */
import { afterAll, expect, test } from "bun:test";
import { cleanupDaemons, deliveryWhen, runHookgate, startDaemon, tempDir, writeConfigFile } from "../helpers/daemon.ts";
import { freshPostgresDatabase } from "../helpers/postgres.ts";
import { startReceiver } from "../helpers/receiver.ts";

const T = 90_000;
const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";
const CALLBACKS = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const DELIVERY = `
[delivery]
require_https = false
allow_private_networks = true
retry_jitter = 0
retry_schedule = ["1h"]
timeout = "2s"
`;

afterAll(cleanupDaemons);

test(
  "round trip: ids, secrets and pending schedules survive; a non-empty target and a data dir in use are refused",
  async () => {
    const receiver = startReceiver();
    receiver.respond("/failing", () => 500);
    const database = await freshPostgresDatabase();
    try {
      const dataDir = tempDir("hookgate-import-");
      const sqlite = await startDaemon({ dataDir, config: `[server]\nadmin_token = "${TOKEN}"\n${DELIVERY}` });
      const ok = (await sqlite.api("POST", "/v1/endpoints", { url: `${receiver.url}/ok`, tenant: "acme" })).json;
      const failing = (await sqlite.api("POST", "/v1/endpoints", { url: `${receiver.url}/failing`, tenant: "acme", event_types: ["credit.low"] })).json;
      expect((await sqlite.api("POST", `/v1/endpoints/${ok.id}/rotate-secret`)).status).toBe(200);
      const secretsBefore = (await sqlite.api("GET", `/v1/endpoints/${ok.id}/secret`)).json;
      const delivered = await sqlite.api("POST", "/v1/events", { type: "message.delivered", tenant: "acme", data: { n: 1 } }, { headers: { "idempotency-key": "k-1" } });
      const retrying = await sqlite.api("POST", "/v1/events", { type: "credit.low", tenant: "acme", data: { n: 2 } });
      await deliveryWhen(sqlite, delivered.json.deliveries[0].id, (d) => d.status === "succeeded");
      const pending = retrying.json.deliveries.find((d: { endpoint_id: string }) => d.endpoint_id === failing.id).id;
      const pendingBefore = await deliveryWhen(sqlite, pending, (d) => d.attempt_count === 1);
      const pgConfig = writeConfigFile(`[server]\nadmin_token = "${TOKEN}"\n[storage]\ndriver = "postgres"\nurl = "${database.url}"\n[callbacks]\nsecret = "${CALLBACKS}"\n${DELIVERY}`);

      // While the SQLite hookgate runs, its data dir is refused.
      const inUse = await runHookgate(["import-sqlite", dataDir, "--config", pgConfig]);
      expect(inUse.exitCode).toBe(1);
      expect(inUse.stderr).toContain("already running");
      expect(await sqlite.stop()).toBe(0);

      const imported = await runHookgate(["import-sqlite", dataDir, "--config", pgConfig], { timeoutMs: 30_000 });
      expect(imported.stderr).toBe("");
      expect(imported.exitCode).toBe(0);
      expect(imported.stdout).toContain("2 endpoints (3 secrets), 2 events, 3 deliveries, 3 attempts, 1 idempotency keys");

      const again = await runHookgate(["import-sqlite", dataDir, "--config", pgConfig], { timeoutMs: 30_000 });
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toContain("already holds endpoints or events");

      const pg = await startDaemon({ config: `[server]\nadmin_token = "${TOKEN}"\n[storage]\ndriver = "postgres"\nurl = "${database.url}"\n[callbacks]\nsecret = "${CALLBACKS}"\n${DELIVERY}` });
      expect((await pg.api("GET", `/v1/endpoints/${ok.id}`)).json).toMatchObject({ id: ok.id, url: `${receiver.url}/ok`, tenant: "acme" });
      expect((await pg.api("GET", `/v1/endpoints/${ok.id}/secret`)).json).toEqual(secretsBefore);
      const pendingAfter = (await pg.api("GET", `/v1/deliveries/${pending}`)).json;
      expect(pendingAfter).toMatchObject({ status: "pending", attempt_count: 1, next_attempt_at: pendingBefore.next_attempt_at });
      expect(pendingAfter.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500]);
      // The idempotency key answers with the first event.
      const replay = await pg.api("POST", "/v1/events", { type: "message.delivered", tenant: "acme", data: { n: 1 } }, { headers: { "idempotency-key": "k-1" } });
      expect(replay.json.id).toBe(delivered.json.id);
    } finally {
      receiver.close();
      await database.drop();
    }
  },
  T,
);
