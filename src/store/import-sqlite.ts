/**
 * `hookgate import-sqlite DATA_DIR`: copies a stopped SQLite hookgate into
 * the configured, empty PostgreSQL database (API.md §6): endpoints with
 * their secrets and rotation history, events, deliveries with their schedule
 * (pending ones stay pending, due when they were due), attempts and
 * idempotency keys, in one transaction, so a failed import leaves the target
 * empty. The data dir is locked while it is read, so one in use is refused,
 * and migrated to this version first, as a start of this hookgate would.
 * Console sessions, stats rollups and job runs are not copied: PostgreSQL
 * computes its stats from the attempts, and a login is a moment's work.
 */
import type { SQL } from "bun";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Attempt } from "../domain/model.ts";
import { StartupError } from "../startup-error.ts";
import { insertAttempts, type AttemptInsert } from "./postgres/attempts.ts";
import { openPostgresStore } from "./postgres/postgres-store.ts";
import { migrate } from "./sqlite/migrate.ts";
import { DATABASE_FILE, openDatabase } from "./sqlite/open.ts";

/** Rows per INSERT: large enough to be quick, small enough for PostgreSQL's 65,535 parameters. */
const BATCH = 500;

export interface ImportCounts {
  endpoints: number;
  secrets: number;
  events: number;
  deliveries: number;
  attempts: number;
  idempotencyKeys: number;
}

export interface ImportOptions {
  dataDir: string;
  url: string;
  poolSize: number;
  now: number;
}

type Row = Record<string, unknown>;

/** Copies everything; throws StartupError for what the operator must fix (a data dir in use, a non-empty target). */
export async function importSqlite(o: ImportOptions): Promise<ImportCounts> {
  const file = join(resolve(o.dataDir), DATABASE_FILE);
  if (!existsSync(file)) throw new StartupError(`no hookgate database in ${resolve(o.dataDir)} (expected ${DATABASE_FILE})`);
  // Locks the data dir: a hookgate still running on it is refused here.
  const source = openDatabase(o.dataDir);
  try {
    migrate(source.db, o.now);
    const target = await openPostgresStore({ url: o.url, poolSize: o.poolSize, now: o.now });
    try {
      const [held] = (await target.sql`SELECT (SELECT count(*) FROM endpoints) + (SELECT count(*) FROM events) AS n`) as { n: string | number }[];
      if (Number(held?.n ?? 0) > 0) {
        throw new StartupError("the PostgreSQL database already holds endpoints or events; import-sqlite copies into an empty one only");
      }
      return await target.sql.begin((tx) => copyAll(source.db, tx as unknown as SQL));
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}

async function copyAll(db: import("bun:sqlite").Database, tx: SQL): Promise<ImportCounts> {
  const bool = (v: unknown) => v === 1 || v === true;
  const counts: ImportCounts = { endpoints: 0, secrets: 0, events: 0, deliveries: 0, attempts: 0, idempotencyKeys: 0 };
  counts.endpoints = await copyRows(db, "SELECT * FROM endpoints ORDER BY id", (rows) => tx`INSERT INTO endpoints ${tx(rows)}`);
  // In rotation order: the identity column numbers them again in the same order.
  counts.secrets = await copyRows(db, "SELECT endpoint_id, secret, created_at, expires_at FROM endpoint_secrets ORDER BY seq", (rows) => tx`INSERT INTO endpoint_secrets ${tx(rows)}`);
  counts.events = await copyRows(
    db,
    "SELECT id, tenant, type, payload, occurred_at, callback_url, is_test, created_at FROM events ORDER BY id",
    (rows) => tx`INSERT INTO events ${tx(rows.map((r) => ({ ...r, is_test: bool(r.is_test) })))}`,
  );
  counts.deliveries = await copyRows(
    db,
    `SELECT id, event_id, tenant, event_type, endpoint_id, url, status, attempt_count, next_attempt_at, lease_owner,
       lease_until, leased_at, last_error, schedule_start, is_test, created_at, updated_at FROM deliveries ORDER BY id`,
    (rows) => tx`INSERT INTO deliveries ${tx(rows.map((r) => ({ ...r, is_test: bool(r.is_test) })))}`,
  );
  counts.attempts = await copyRows(
    db,
    `SELECT a.*, d.tenant AS delivery_tenant, d.created_at AS delivery_created_at FROM attempts a JOIN deliveries d ON d.id = a.delivery_id ORDER BY a.id`,
    (rows) => insertAttempts(tx, rows.map(attemptInsert)),
  );
  counts.idempotencyKeys = await copyRows(db, "SELECT tenant, key, request_hash, response, created_at FROM idempotency_keys", (rows) => tx`INSERT INTO idempotency_keys ${tx(rows)}`);
  return counts;
}

/** Reads `query` in batches and writes each batch; answers how many rows. */
async function copyRows(db: import("bun:sqlite").Database, query: string, write: (rows: Row[]) => Promise<unknown>): Promise<number> {
  let n = 0;
  let batch: Row[] = [];
  for (const row of db.query(query).iterate() as IterableIterator<Row>) {
    batch.push(row);
    if (batch.length === BATCH) {
      await write(batch);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) {
    await write(batch);
    n += batch.length;
  }
  return n;
}

/** An attempts row of SQLite as the PostgreSQL backend writes attempts (with the stats bins it keeps on each). */
function attemptInsert(r: Row): AttemptInsert {
  const attempt: Attempt = {
    id: r.id as string,
    deliveryId: r.delivery_id as string,
    endpointId: r.endpoint_id as string | null,
    n: r.n as number,
    startedAt: r.started_at as number,
    durationMs: r.duration_ms as number,
    statusCode: r.status_code as number | null,
    error: r.error as string | null,
    requestHeaders: JSON.parse(r.request_headers as string) as Record<string, string>,
    responseHeaders: r.response_headers === null ? null : (JSON.parse(r.response_headers as string) as Record<string, string>),
    responseBody: (r.response_body as Uint8Array | null) ?? null,
    responseTruncated: r.response_truncated === 1,
    nextAttemptAt: r.next_attempt_at as number | null,
    isTest: r.is_test === 1,
  };
  return { attempt, tenant: r.delivery_tenant as string, deliveryCreatedAt: r.delivery_created_at as number };
}
