import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { isNodeId, NODE_ID_FILE, resolveNodeId } from "../src/node-id.ts";
import { StartupError } from "../src/startup-error.ts";
import { createTempDir, type TempDir } from "./helpers/temp-dir.ts";

let dir: TempDir;

beforeEach(() => {
  dir = createTempDir("hookgate-node-id-");
});
afterEach(() => dir.cleanup());

/** Random bytes that count how often they were asked for: byte i of call k is k*16+i. */
function countingBytes() {
  let calls = 0;
  const bytes = (n: number) => {
    calls++;
    return Uint8Array.from({ length: n }, (_, i) => (calls * 16 + i) % 256);
  };
  return { bytes, calls: () => calls };
}

describe("resolveNodeId", () => {
  test("on a first start makes node_ and the hex of 16 random bytes, and writes it to <data_dir>/node-id, 0600", () => {
    const random = countingBytes();
    const resolved = resolveNodeId(dir.path, random.bytes);
    expect(resolved).toEqual({ id: "node_101112131415161718191a1b1c1d1e1f", file: dir.join(NODE_ID_FILE), generated: true });
    expect(readFileSync(dir.join(NODE_ID_FILE), "utf8")).toBe("node_101112131415161718191a1b1c1d1e1f\n");
    expect(statSync(dir.join(NODE_ID_FILE)).mode & 0o777).toBe(0o600);
  });

  test("on later starts reads the same id back, without drawing new randomness, so a restarted process knows its leases", () => {
    const random = countingBytes();
    const first = resolveNodeId(dir.path, random.bytes);
    const again = resolveNodeId(dir.path, random.bytes);
    expect(again).toEqual({ ...first, generated: false });
    expect(random.calls()).toBe(1);
  });

  test("gives two data dirs two ids", () => {
    const other = createTempDir("hookgate-node-id-");
    try {
      const random = countingBytes();
      expect(resolveNodeId(dir.path, random.bytes).id).not.toBe(resolveNodeId(other.path, random.bytes).id);
    } finally {
      other.cleanup();
    }
  });

  test("keeps a name the operator wrote into the file, surrounding whitespace aside", () => {
    writeFileSync(dir.join(NODE_ID_FILE), "  hookgate-eu-1.a_b \n");
    expect(resolveNodeId(dir.path, countingBytes().bytes)).toEqual({ id: "hookgate-eu-1.a_b", file: dir.join(NODE_ID_FILE), generated: false });
  });

  test.each([
    ["", "an empty file"],
    ["two words", "a space"],
    ["-leading-dash", "a leading dash"],
    ["x".repeat(65), "more than 64 characters"],
    ["node_1\nnode_2", "two lines"],
  ])("refuses a file holding %p (%s) with a StartupError naming it, and leaves it as it was", (content) => {
    writeFileSync(dir.join(NODE_ID_FILE), content);
    expect(() => resolveNodeId(dir.path, countingBytes().bytes)).toThrow(StartupError);
    expect(() => resolveNodeId(dir.path, countingBytes().bytes)).toThrow(`${dir.join(NODE_ID_FILE)} does not hold a valid value`);
    expect(readFileSync(dir.join(NODE_ID_FILE), "utf8")).toBe(content);
  });
});

describe("isNodeId", () => {
  test.each([
    ["node_0123456789abcdef0123456789abcdef", true],
    ["node_01J5ZQ3X8M2K7V9T4R6W1Y0B3C", true],
    ["a", true],
    ["x".repeat(64), true],
    ["", false],
    ["node id", false],
    ["node/1", false],
    ["ünïcode", false],
  ])("%p → %p", (text, expected) => {
    expect(isNodeId(text)).toBe(expected);
  });
});
