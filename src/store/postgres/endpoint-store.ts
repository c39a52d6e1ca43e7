/**
 * The endpoints facet of the PostgreSQL backend. No cache: another process
 * may write an endpoint at any time, and forTenant must see that write as
 * soon as it was answered (a cache invalidated by LISTEN/NOTIFY comes later).
 */
import type { EndpointSecret } from "../../domain/model.ts";
import type { EndpointStore } from "../contract.ts";
import type { PgClient, Tx } from "./pg-client.ts";
import { endpointFromRow, num, numOrNull, type EndpointRow } from "./rows.ts";

const MAX_ID = "\uffff";

interface SecretRow {
  secret: string;
  created_at: string;
  expires_at: string | null;
}

/** Current first, then the rotated-out ones still signing at `now`, newest first. */
async function activeSecrets(sql: Tx | PgClient["sql"], id: string, now: number): Promise<EndpointSecret[]> {
  const rows = (await sql`SELECT secret, created_at, expires_at FROM endpoint_secrets
    WHERE endpoint_id = ${id} AND (expires_at IS NULL OR expires_at > ${now})
    ORDER BY expires_at IS NOT NULL, seq DESC`) as SecretRow[];
  return rows.map((r) => ({ secret: r.secret, createdAt: num(r.created_at), expiresAt: numOrNull(r.expires_at) }));
}

export function createEndpointStore(db: PgClient): EndpointStore {
  return {
    create({ endpoint: e, now }) {
      return db.tx(async (tx) => {
        const [row] = (await tx`INSERT INTO endpoints
          (id, tenant, url, description, event_types, headers, metadata, state, created_at, updated_at)
          VALUES (${e.id}, ${e.tenant}, ${e.url}, ${e.description}, ${JSON.stringify(e.eventTypes)},
            ${JSON.stringify(e.headers)}, ${JSON.stringify(e.metadata)}, 'enabled', ${now}, ${now})
          RETURNING *`) as EndpointRow[];
        await tx`INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES (${e.id}, ${e.secret}, ${now})`;
        return endpointFromRow(row!);
      });
    },
    get(id) {
      return db.run(async (sql) => {
        const [row] = (await sql`SELECT * FROM endpoints WHERE id = ${id}`) as EndpointRow[];
        return row ? endpointFromRow(row) : null;
      });
    },
    list({ limit, before, tenant }) {
      return db.run(async (sql) => {
        const rows = (tenant === undefined
          ? await sql`SELECT * FROM endpoints WHERE id < ${before ?? MAX_ID} ORDER BY id DESC LIMIT ${limit}`
          : await sql`SELECT * FROM endpoints WHERE tenant = ${tenant} AND id < ${before ?? MAX_ID}
              ORDER BY id DESC LIMIT ${limit}`) as EndpointRow[];
        return rows.map(endpointFromRow);
      });
    },
    forTenant(tenant) {
      return db.run(async (sql) => {
        const rows = (await sql`SELECT * FROM endpoints WHERE tenant = ${tenant} ORDER BY id`) as EndpointRow[];
        return rows.map(endpointFromRow);
      });
    },
    update({ id, patch, now }) {
      // Absent fields are NULL parameters and keep the column as it is.
      const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
      return db.run(async (sql) => {
        const [row] = (await sql`UPDATE endpoints SET
            url = coalesce(${patch.url ?? null}::text, url),
            description = coalesce(${patch.description ?? null}::text, description),
            event_types = coalesce(${json(patch.eventTypes)}::text, event_types),
            headers = coalesce(${json(patch.headers)}::text, headers),
            metadata = coalesce(${json(patch.metadata)}::text, metadata),
            updated_at = ${now}
          WHERE id = ${id} RETURNING *`) as EndpointRow[];
        return row ? endpointFromRow(row) : null;
      });
    },
    setState({ id, state, now }) {
      return db.run(async (sql) => {
        const [row] = (state.enabled
          ? await sql`UPDATE endpoints SET state = 'enabled', disabled_reason = NULL, consecutive_failures = 0,
              failing_since = NULL, updated_at = ${now} WHERE id = ${id} RETURNING *`
          : await sql`UPDATE endpoints SET state = 'disabled', disabled_reason = ${state.reason}, updated_at = ${now}
              WHERE id = ${id} RETURNING *`) as EndpointRow[];
        return row ? endpointFromRow(row) : null;
      });
    },
    remove({ id, now }) {
      return db.tx(async (tx) => {
        const gone = await tx`DELETE FROM endpoints WHERE id = ${id} RETURNING id`;
        if (gone.length === 0) return null;
        const failed = await tx`UPDATE deliveries SET status = 'failed', last_error = 'endpoint_deleted',
            next_attempt_at = NULL, lease_until = NULL, leased_at = NULL, lease_owner = NULL, updated_at = ${now}
          WHERE endpoint_id = ${id} AND status = 'pending'`;
        return { failedDeliveries: failed.count };
      });
    },
    activeSecrets({ id, now }) {
      return db.run((sql) => activeSecrets(sql, id, now));
    },
    rotateSecret({ id, secret, now, overlapMs, keepPrevious }) {
      return db.tx(async (tx) => {
        // The endpoint row's lock makes concurrent rotations take turns.
        const found = await tx`SELECT 1 FROM endpoints WHERE id = ${id} FOR UPDATE`;
        if (found.length === 0) return null;
        await tx`UPDATE endpoint_secrets SET expires_at = ${now + overlapMs} WHERE endpoint_id = ${id} AND expires_at IS NULL`;
        await tx`INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES (${id}, ${secret}, ${now})`;
        // Drops expired secrets and all but the newest `keepPrevious` rotated-out ones.
        await tx`DELETE FROM endpoint_secrets WHERE endpoint_id = ${id} AND expires_at IS NOT NULL
          AND (expires_at <= ${now} OR seq NOT IN (SELECT seq FROM endpoint_secrets
            WHERE endpoint_id = ${id} AND expires_at IS NOT NULL ORDER BY seq DESC LIMIT ${keepPrevious}))`;
        return activeSecrets(tx, id, now);
      });
    },
  };
}
