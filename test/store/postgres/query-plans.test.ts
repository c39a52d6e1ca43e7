/**
 * PostgreSQL only: the hot statements read what they answer, not the
 * backlog. Over a database where one endpoint (out of room) owns a deep due
 * backlog and a month of attempts, each statement is run under EXPLAIN
 * ANALYZE and the rows it read from its table are counted, whichever plan
 * the planner picked: a walk past the backlog would count thousands.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { SQL } from "bun";
import { CLAIM_QUERIES } from "../../../src/store/postgres/due-deliveries.ts";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { STATS_QUERIES } from "../../../src/store/postgres/stats.ts";
import { freshPostgresDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { DAY, HOUR, now } from "../contract/harness.ts";

const BACKLOG = 20_000;
const FULL = "ep_full";
const OTHER = "ep_other";

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

/** Rows the plan read from `table` (returned or filtered away), and whether it scanned the table whole. */
function rowsRead(node: PlanNode, table: string): { rows: number; seqScan: boolean } {
  let rows = 0;
  let seqScan = false;
  if (node["Relation Name"] === table) {
    const perLoop = (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0);
    rows += perLoop * (node["Actual Loops"] ?? 1);
    if (node["Node Type"] === "Seq Scan") seqScan = true;
  }
  for (const child of node.Plans ?? []) {
    const c = rowsRead(child, table);
    rows += c.rows;
    seqScan ||= c.seqScan;
  }
  return { rows, seqScan };
}

let database: TestDatabase;
let store: PostgresStore;
let sql: SQL;

async function explain(text: string, params: unknown[], table: string) {
  // In a transaction rolled back: the lease statement writes.
  return sql.begin(async (tx) => {
    const [row] = (await tx.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params)) as { "QUERY PLAN": [{ Plan: PlanNode }] }[];
    const read = rowsRead(row!["QUERY PLAN"][0].Plan, table);
    await tx`ROLLBACK`.catch(() => {});
    throw Object.assign(new Error("rolled back"), { read });
  }).catch((err: { read?: { rows: number; seqScan: boolean } }) => {
    if (!err.read) throw err;
    return err.read;
  });
}

beforeAll(async () => {
  database = await freshPostgresDatabase();
  store = await openPostgresStore({ url: database.url, poolSize: 2, now });
  sql = store.sql;
  await sql`INSERT INTO events (id, tenant, type, payload, occurred_at, is_test, created_at) VALUES ('evt_1', 'acme', 't', '{}', 0, false, 0)`;
  // The backlog: due for a while, all of one endpoint; then a little due work of another and of callbacks.
  await sql`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, next_attempt_at, created_at, updated_at)
    SELECT 'dlv_a' || lpad(g::text, 8, '0'), 'evt_1', 'acme', 't', ${FULL}, 'u', 'pending', ${now - HOUR}::bigint + g, 0, 0
    FROM generate_series(1, ${BACKLOG}) g`;
  await sql`INSERT INTO deliveries (id, event_id, tenant, event_type, endpoint_id, url, status, next_attempt_at, created_at, updated_at)
    SELECT 'dlv_b' || g, 'evt_1', 'acme', 't', CASE WHEN g <= 5 THEN ${OTHER} END, 'u', 'pending', ${now}::bigint - g, 0, 0
    FROM generate_series(1, 7) g`;
  // A month of attempts, one every 2 minutes: a 1h window holds 30 of them.
  await sql`INSERT INTO attempts (id, delivery_id, endpoint_id, tenant, n, started_at, duration_ms, request_headers, is_test, latency_bin)
    SELECT 'att_' || g, 'dlv_a00000001', ${FULL}, 'acme', g, ${now - 30 * DAY}::bigint + g::bigint * 120000, 10, '{}', false, 10
    FROM generate_series(1, ${(30 * DAY) / 120_000}) g`;
  await sql`ANALYZE`;
}, 60_000);

afterAll(async () => {
  await store.close();
  await database.drop();
});

describe("claim statements with a deep backlog of an endpoint out of room", () => {
  test("earliestDue reads only the page it answers", async () => {
    const read = await explain(CLAIM_QUERIES.earliestDue, [now, 10], "deliveries");
    expect(read).toEqual({ rows: 10, seqScan: false });
  });

  test("offersByEndpoint passes the backlog by: one seek per endpoint, a few rows each", async () => {
    const read = await explain(CLAIM_QUERIES.offersByEndpoint, [now, 10, 4, [FULL], [0], [FULL], []], "deliveries");
    expect(read.seqScan).toBe(false);
    expect(read.rows).toBeLessThan(50);
  });

  test("liveLeases reads the leased rows only", async () => {
    await sql`UPDATE deliveries SET lease_owner = 'n', lease_until = ${now + 30_000}, leased_at = ${now} WHERE id IN ('dlv_b1', 'dlv_b2')`;
    const read = await explain(CLAIM_QUERIES.liveLeases, [now], "deliveries");
    expect(read.seqScan).toBe(false);
    expect(read.rows).toBeLessThanOrEqual(2);
    await sql`UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, leased_at = NULL WHERE id IN ('dlv_b1', 'dlv_b2')`;
  });

  test("the lease touches the chosen rows only", async () => {
    const read = await explain(CLAIM_QUERIES.lease, [["dlv_b3", "dlv_b4"], "n", now, now + 30_000], "deliveries");
    expect(read.seqScan).toBe(false);
    expect(read.rows).toBeLessThanOrEqual(3 * 2); // a few reads per chosen row
  });
});

describe("stats statements", () => {
  test("a 1h report reads the hour's attempts, not the month's", async () => {
    const read = await explain(STATS_QUERIES.attempts, [now - HOUR, now, null, null, now - HOUR, 60_000], "attempts");
    expect(read).toEqual({ rows: 30, seqScan: false });
  });

  test("a report of deliveries reads the window's deliveries only", async () => {
    const read = await explain(STATS_QUERIES.deliveries, [now - HOUR, now, null, null], "deliveries");
    expect(read).toEqual({ rows: 0, seqScan: false });
  });
});
