/**
 * A data dir holding a large delivery backlog, built directly with bun:sqlite
 * in seconds instead of through the API: a migrated database, real endpoints
 * (through the store, so their secrets are valid) and `deliveries` pending
 * events, each with one delivery due now, rows exactly as ingest writes them.
 */
import { migrate } from "../../src/store/sqlite/migrate.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { createIdGenerator } from "../../src/domain/ids.ts";
import { generateSecret } from "../../src/domain/secret.ts";
import { renderPayload } from "../../src/ingest/ingest.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export interface BacklogOptions {
  /** Endpoint URLs; the deliveries are spread over them in turn. */
  urls: string[];
  deliveries: number;
  /** Due time of every delivery; default now, so all of it is overdue at start-up. */
  dueAt?: number;
}

/** Builds the backlog in `dataDir` (created if missing) and closes the database again; answers the event ids. */
export async function buildBacklog(dataDir: string, options: BacklogOptions): Promise<string[]> {
  const now = Date.now();
  const dueAt = options.dueAt ?? now;
  const ids = createIdGenerator(() => now);
  const opened = openDatabase(dataDir);
  try {
    const { db } = opened;
    migrate(db, now);
    const store = createSqliteStore(db, () => {});
    const endpoints: string[] = [];
    for (const url of options.urls) {
      const endpoint = await store.endpoints.create({ endpoint: { id: ids("ep"), tenant: "default", url, description: "backlog", eventTypes: ["*"], headers: {}, metadata: {}, secret: generateSecret((n) => crypto.getRandomValues(new Uint8Array(n))) }, now });
      endpoints.push(endpoint.id);
    }
    await store.close();

    const insertEvent = db.query(`INSERT INTO events (id, tenant, type, payload, occurred_at, callback_url, is_test, created_at)
      VALUES (?1, 'default', 'message.delivered', ?2, ?3, NULL, 0, ?3)`);
    const insertDelivery = db.query(`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status,
      attempt_count, next_attempt_at, created_at, updated_at)
      VALUES (?1, ?2, 'default', 'message.delivered', ?3, ?4, 'pending', 0, ?5, ?6, ?6)`);
    const eventIds: string[] = [];
    db.transaction(() => {
      for (let i = 0; i < options.deliveries; i++) {
        const eventId = ids("evt");
        const e = i % endpoints.length;
        insertEvent.run(eventId, renderPayload(eventId, "message.delivered", now, { i, message_id: `msg_${i}`, phone: "255712345678" }), now);
        insertDelivery.run(ids("dlv"), eventId, endpoints[e]!, options.urls[e]!, dueAt, now);
        eventIds.push(eventId);
      }
    })();
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    return eventIds;
  } finally {
    opened.close();
  }
}
