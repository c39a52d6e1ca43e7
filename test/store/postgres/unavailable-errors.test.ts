/** PostgreSQL only: which driver errors mean "the database is out of reach" (StoreUnavailableError) and which stay bugs. */
import { SQL } from "bun";
import { describe, expect, test } from "bun:test";
import { StoreUnavailableError } from "../../../src/store/errors.ts";
import { asStoreError, isUnavailable } from "../../../src/store/postgres/unavailable.ts";

const server = (errno: string) => new SQL.PostgresError(`server said ${errno}`, { code: "ERR_POSTGRES_SERVER_ERROR", errno });
const driver = (code: string) => new SQL.PostgresError(`driver said ${code}`, { code });

describe("isUnavailable", () => {
  test.each([
    ["connection refused", driver("ERR_POSTGRES_CONNECTION_REFUSED")],
    ["connection closed", driver("ERR_POSTGRES_CONNECTION_CLOSED")],
    ["connect timeout", driver("ERR_POSTGRES_CONNECTION_TIMEOUT")],
    ["server shutting down (57P01)", server("57P01")],
    ["server starting up (57P03)", server("57P03")],
    ["connection failure (08006)", server("08006")],
    ["disk full (53100)", server("53100")],
    ["too many connections (53300)", server("53300")],
    ["I/O error (58030)", server("58030")],
    ["read-only server (25006)", server("25006")],
    ["bad password (28P01)", server("28P01")],
    ["no such database (3D000)", server("3D000")],
  ])("%s is unavailable", (_name, err) => {
    expect(isUnavailable(err)).toBe(true);
    const mapped = asStoreError(err);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect((mapped as Error).cause).toBe(err);
  });

  test.each([
    ["a unique violation (23505)", server("23505")],
    ["a syntax error (42601)", server("42601")],
    ["a deadlock (40P01), which a transaction retries instead", server("40P01")],
    ["a plain Error", new Error("bug")],
  ])("%s is not, and stays as it was", (_name, err) => {
    expect(isUnavailable(err)).toBe(false);
    expect(asStoreError(err)).toBe(err);
  });
});
