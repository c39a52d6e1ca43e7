import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MIGRATIONS, migrate, schemaVersion, type Migration } from "../../../src/store/sqlite/migrate.ts";
import { openDatabase, type OpenedDatabase } from "../../../src/store/sqlite/open.ts";
import { StartupError } from "../../../src/startup-error.ts";
import { openFreshDb, type FreshDb } from "../../helpers/fresh-db.ts";
import { createTempDir, type TempDir } from "../../helpers/temp-dir.ts";

const NOW = Date.UTC(2026, 0, 1);
const TABLES = ["attempts", "deliveries", "endpoint_secrets", "endpoints", "events", "idempotency_keys", "job_runs", "login_failures", "schema_migrations", "stats_bins", "stats_levels", "stats_live", "stats_live_counts", "stats_rollups", "web_sessions"];

let dir: TempDir;
let opened: OpenedDatabase;

beforeEach(() => {
  dir = createTempDir("hookgate-migrate-");
  opened = openDatabase(dir.join("data"));
});
afterEach(() => {
  opened.close();
  dir.cleanup();
});

const tableNames = () =>
  (opened.db.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe("migrate", () => {
  test("creates every table in an empty database and reports the versions it applied", () => {
    expect(tableNames()).toEqual([]);
    expect(migrate(opened.db, NOW)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(tableNames()).toEqual(TABLES);
    expect(schemaVersion(opened.db)).toBe(MIGRATIONS.at(-1)!.version);
  });

  test("records each migration with its name and the time it ran", () => {
    migrate(opened.db, NOW);
    expect(opened.db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: NOW })),
    );
  });

  test("makes every table STRICT", () => {
    migrate(opened.db, NOW);
    const rows = opened.db.query("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    expect(rows).toEqual(TABLES.map((name) => ({ name, strict: 1 })));
  });

  test("refuses TEXT in an INTEGER column, because the tables are STRICT", () => {
    migrate(opened.db, NOW);
    const insert = () =>
      opened.db.run(`INSERT INTO endpoints (id, tenant, url, event_types, headers, metadata, state, created_at, updated_at)
        VALUES ('ep_1', 'default', 'https://x.test', '["*"]', '{}', '{}', 'enabled', 'yesterday', 0)`);
    expect(insert).toThrow(/cannot store TEXT value in INTEGER column endpoints.created_at/);
  });

  test("applies nothing when run again", () => {
    migrate(opened.db, NOW);
    expect(migrate(opened.db, NOW + 1000)).toEqual([]);
    expect(opened.db.query("SELECT count(*) AS n, max(applied_at) AS at FROM schema_migrations").get()).toEqual({ n: MIGRATIONS.length, at: NOW });
  });

  test("applies only the migrations newer than the database", () => {
    const extra: Migration[] = [...MIGRATIONS, { version: 1000, name: "extra", sql: "CREATE TABLE extra (id INTEGER PRIMARY KEY) STRICT;" }];
    migrate(opened.db, NOW);
    expect(migrate(opened.db, NOW + 1, extra)).toEqual([1000]);
    expect(tableNames()).toContain("extra");
  });

  test("refuses with StartupError a database from a newer hookgate (schema version 999)", () => {
    migrate(opened.db, NOW);
    opened.db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 0)");
    expect(() => migrate(opened.db, NOW)).toThrow(StartupError);
    expect(() => migrate(opened.db, NOW)).toThrow(`schema version 999, newer than this hookgate knows (${MIGRATIONS.at(-1)!.version})`);
  });

  test("leaves no trace of a migration that fails halfway", () => {
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: 1000, name: "broken", sql: "CREATE TABLE half_done (id INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);" },
    ];
    expect(() => migrate(opened.db, NOW, broken)).toThrow(/no such table/);
    expect(tableNames()).not.toContain("half_done");
    expect(schemaVersion(opened.db)).toBe(MIGRATIONS.at(-1)!.version);
  });
});

describe("a migrated database", () => {
  let fresh: FreshDb;
  beforeEach(() => {
    fresh = openFreshDb(NOW);
  });
  afterEach(() => fresh.cleanup());

  test("enforces the foreign keys between its tables", () => {
    expect(schemaVersion(fresh.db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(() => fresh.db.run("INSERT INTO endpoint_secrets (endpoint_id, secret, created_at) VALUES ('ep_missing', 's', 0)")).toThrow(/FOREIGN KEY/);
  });
});
