/**
 * The PostgreSQL server going away under load and coming back: ingest
 * answers 503 while it is down (never a 202 that was not committed),
 * /readyz says so, and the node recovers by itself, with every accepted
 * event there and delivered.
 */
import { afterAll, expect, test } from "bun:test";
import { cleanupDaemons, startDaemon } from "../helpers/daemon.ts";
import { freshPostgresDatabase, postgresServer } from "../helpers/postgres.ts";
import { startReceiver } from "../helpers/receiver.ts";

const T = 120_000;
const TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef";
const CALLBACKS = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

afterAll(cleanupDaemons, 20_000);

test(
  "database stopped and started under load: 503 while down, no lost 202, recovery without a restart",
  async () => {
    const server = await postgresServer();
    const database = await freshPostgresDatabase();
    const receiver = startReceiver();
    let down = false;
    try {
      const node = await startDaemon({
        config: `[server]\nadmin_token = "${TOKEN}"\n[storage]\ndriver = "postgres"\nurl = "${database.url}"\npool_size = 4\n[callbacks]\nsecret = "${CALLBACKS}"\n[delivery]\nrequire_https = false\nallow_private_networks = true\nretry_jitter = 0\nretry_schedule = ["1s", "1s", "1s", "1s", "1s"]\ntimeout = "2s"\n`,
      });
      await node.api("POST", "/v1/endpoints", { url: `${receiver.url}/hook` });
      const accepted: string[] = [];
      const statuses = new Map<number, number>();
      let stop = false;
      // Four clients ingesting as fast as answers come.
      const clients = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const r = await node.api("POST", "/v1/events", { type: "message.delivered", data: {} }).catch(() => null);
          if (!r) continue;
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 202) accepted.push(r.json.id);
          else expect(r.json.error.code).toBe("unavailable");
        }
      });
      await Bun.sleep(500);
      await server.stop();
      down = true;
      await Bun.sleep(1500);
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(503);
      await server.start();
      down = false;
      // Recovers by itself: ready again, and ingest answers 202 again.
      const deadline = Date.now() + 30_000;
      while ((await fetch(`${node.url}/readyz`)).status !== 200 && Date.now() < deadline) await Bun.sleep(200);
      expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
      const acceptedBeforeEnd = accepted.length;
      await Bun.sleep(500);
      stop = true;
      await Promise.all(clients);
      expect(accepted.length).toBeGreaterThan(acceptedBeforeEnd);
      expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
      expect([...statuses.keys()].sort()).toEqual([202, 503]);
      // Every 202 was committed, and is delivered.
      for (const id of accepted) expect((await node.api("GET", `/v1/events/${id}`)).status).toBe(200);
      const ids = new Set(accepted);
      const until = Date.now() + 30_000;
      while (Date.now() < until && [...ids].some((id) => !receiver.requests.some((r) => r.headers["webhook-id"] === id))) await Bun.sleep(200);
      const delivered = new Set(receiver.requests.map((r) => r.headers["webhook-id"]));
      expect([...ids].filter((id) => !delivered.has(id))).toEqual([]);
      expect(await node.stop()).toBe(0);
    } finally {
      receiver.close();
      if (down) await server.start();
      await database.drop();
    }
  },
  T,
);
