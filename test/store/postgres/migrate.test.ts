/** PostgreSQL only: migrations under the advisory lock, and a database newer than this hookgate refused. */
import { SQL } from "bun";
import { afterEach, describe, expect, test } from "bun:test";
import { MIGRATIONS } from "../../../src/store/postgres/migrate.ts";
import { openPostgresStore, type PostgresStore } from "../../../src/store/postgres/postgres-store.ts";
import { StartupError } from "../../../src/startup-error.ts";
import { freshPostgresDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { endpointInput, now } from "../contract/harness.ts";

const LATEST = MIGRATIONS.at(-1)!.version;

let database: TestDatabase | null = null;
const opened: PostgresStore[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await database?.drop();
  database = null;
});

async function open(url: string, onMigrated?: (versions: number[]) => void): Promise<PostgresStore> {
  const store = await openPostgresStore({ url, poolSize: 2, now, onMigrated });
  opened.push(store);
  return store;
}

describe("migrations", () => {
  test("two processes opening one empty database at once: one applies every migration, the other finds them applied; both work", async () => {
    database = await freshPostgresDatabase();
    const told: number[][] = [];
    const [a, b] = await Promise.all([open(database.url, (v) => told.push(v)), open(database.url, (v) => told.push(v))]);
    expect(told).toEqual([MIGRATIONS.map((m) => m.version)]);
    const endpoint = await a.endpoints.create({ endpoint: endpointInput(), now });
    expect(await b.endpoints.get(endpoint.id)).toEqual(endpoint);
    const rows = (await a.sql`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`) as { version: number; name: string; applied_at: string }[];
    expect(rows.map((r) => [r.version, r.name, Number(r.applied_at)])).toEqual(MIGRATIONS.map((m) => [m.version, m.name, now]));
  });

  test("opening a migrated database again applies nothing", async () => {
    database = await freshPostgresDatabase();
    await (await open(database.url)).close();
    const told: number[][] = [];
    await open(database.url, (v) => told.push(v));
    expect(told).toEqual([]);
  });

  test("a database migrated by a newer hookgate is refused with a StartupError naming both versions, and left as it was", async () => {
    database = await freshPostgresDatabase();
    await (await open(database.url)).close();
    const admin = new SQL(database.url, { max: 1 });
    try {
      await admin`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${LATEST + 41}, 'from_the_future', 0)`;
      const refused = await openPostgresStore({ url: database.url, poolSize: 1, now }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(StartupError);
      expect((refused as Error).message).toContain(`schema version ${LATEST + 41}`);
      expect((refused as Error).message).toContain(`(${LATEST})`);
      const [row] = (await admin`SELECT max(version) AS v FROM schema_migrations`) as { v: number }[];
      expect(row?.v).toBe(LATEST + 41);
    } finally {
      await admin.close();
    }
  });
});
