import { describe, expect, test } from "bun:test";
import { describePostgresUrl, isPostgresUrl, maskUrlPassword } from "../../src/domain/postgres-url.ts";

const MASK = "********";

describe("isPostgresUrl", () => {
  test.each([
    "postgres://hookgate:secret@db.internal:5432/hookgate",
    "postgresql://hookgate:secret@db.internal:5432/hookgate",
    "postgres://db.internal/hookgate",
    "postgres://hookgate@localhost",
    "postgres://u:p@[::1]:5432/db",
    "postgres://u:p@10.0.0.5:6432/db?sslmode=verify-full&application_name=hookgate",
    "POSTGRES://U:P@H/DB",
  ])("accepts %p", (text) => {
    expect(isPostgresUrl(text)).toBe(true);
  });

  test.each([
    ["", "an empty string"],
    ["db.internal:5432", "a host and port without a scheme"],
    ["hookgate:secret@db.internal/hookgate", "user and password without a scheme"],
    ["mysql://u:p@db.internal/hookgate", "another database's scheme"],
    ["https://db.internal/hookgate", "an http URL"],
    ["postgres:/db.internal/hookgate", "a single slash"],
    ["postgres://", "no host"],
    ["postgres:///hookgate?host=/var/run/postgresql", "a socket directory instead of a host"],
    ["postgres://u:p@db.internal:99999/db", "a port out of range"],
    ["postgres://h1:5432,h2:5432/db", "several hosts"],
    ["not a url", "words"],
  ])("refuses %p (%s)", (text) => {
    expect(isPostgresUrl(text)).toBe(false);
  });
});

describe("maskUrlPassword", () => {
  test.each([
    ["postgres://hookgate:s3cr3t@db.internal:5432/hookgate", "postgres://hookgate:********@db.internal:5432/hookgate"],
    ["postgresql://hookgate:p%40ss@db.internal/hookgate", "postgresql://hookgate:********@db.internal/hookgate"],
    ["postgres://hookgate@db.internal:5432/hookgate", "postgres://hookgate@db.internal:5432/hookgate"],
    ["postgres://db.internal/hookgate", "postgres://db.internal/hookgate"],
    ["postgres://:onlypassword@db.internal/hookgate", "postgres://:********@db.internal/hookgate"],
    [
      "postgres://u@db.internal/db?sslmode=require&password=s3cr3t&sslpassword=k3y&application_name=a+b",
      "postgres://u@db.internal/db?sslmode=require&password=********&sslpassword=********&application_name=a+b",
    ],
    ["mysql://root:s3cr3t@db.internal/x", "mysql://root:********@db.internal/x"],
  ])("shows %p as %p", (text, shown) => {
    expect(maskUrlPassword(text, MASK)).toBe(shown);
    expect(maskUrlPassword(text, MASK)).not.toContain("s3cr3t");
  });

  test.each(["hookgate:s3cr3t@db.internal/hookgate", "s3cr3t", "postgres://u:s3cr3t@h1:5432,h2:5432/db", ""])(
    "masks all of %p, which is not a scheme://authority URL and so has no place a password is known to be",
    (text) => {
      expect(maskUrlPassword(text, MASK)).toBe(MASK);
    },
  );

  test("gives a URL that still parses to the same place", () => {
    const masked = new URL(maskUrlPassword("postgres://hookgate:s3cr3t@db.internal:5432/hookgate?sslmode=require", MASK));
    expect([masked.protocol, masked.username, masked.password, masked.host, masked.pathname, masked.search]).toEqual([
      "postgres:",
      "hookgate",
      MASK,
      "db.internal:5432",
      "/hookgate",
      "?sslmode=require",
    ]);
  });
});

describe("describePostgresUrl", () => {
  test.each([
    ["postgres://hookgate:s3cr3t@db.internal:5432/hookgate?password=s3cr3t", "postgres://hookgate@db.internal:5432/hookgate"],
    ["postgresql://db.internal/hookgate", "postgresql://db.internal/hookgate"],
    ["postgres://u:s3cr3t@[::1]:5432/db", "postgres://u@[::1]:5432/db"],
  ])("names where %p points as %p, without the password", (text, described) => {
    expect(describePostgresUrl(text)).toBe(described);
  });
});
