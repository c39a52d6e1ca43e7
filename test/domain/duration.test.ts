import { describe, expect, test } from "bun:test";
import { formatDuration, formatSize, parseDuration, parseSize } from "../../src/domain/duration.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("parseDuration", () => {
  test.each([
    ["500ms", 500],
    ["0s", 0],
    ["15s", 15 * SECOND],
    ["1m", MINUTE],
    ["24h", 24 * HOUR],
    ["30d", 30 * DAY],
    ["1h30m", HOUR + 30 * MINUTE],
    ["1d2h3m4s5ms", DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5],
    ["1m1ms", MINUTE + 1],
    ["1.5s", 1500],
    ["0.5m", 30 * SECOND],
    [" 2s ", 2 * SECOND],
  ])("reads %p as %p milliseconds", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([
    ["", "an empty string"],
    ["   ", "only spaces"],
    ["15", "a duration without a unit"],
    ["s", "a unit without a number"],
    ["1x", "an unknown unit"],
    ["1S", "an upper-case unit"],
    ["-1s", "a negative duration"],
    ["1 s", "a space between number and unit"],
    ["1h 30m", "a space between parts"],
    ["1.s", "a number ending in a dot"],
    [".5s", "a number starting with a dot"],
    ["1s2", "a trailing number without a unit"],
    ["1e3ms", "an exponent"],
  ])("rejects %p (%s)", (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe("formatDuration", () => {
  test.each([
    [0, "0s"],
    [1, "1ms"],
    [500, "500ms"],
    [SECOND, "1s"],
    [90 * SECOND, "1m30s"],
    [HOUR + 30 * MINUTE, "1h30m"],
    [DAY, "24h"],
    [DAY + 12 * HOUR, "36h"],
    [DAY + 1, "24h1ms"],
    [2 * DAY - 1, "47h59m59s999ms"],
    [2 * DAY, "2d"],
    [2 * DAY + HOUR, "2d1h"],
    [30 * DAY, "30d"],
  ])("writes %p ms as %p", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test.each([0, 1, 999, 1000, 1001, 61_000, 90 * MINUTE, DAY - 1, 7 * DAY + 5])("parses its own output for %p ms back to the same value", (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});

describe("parseSize", () => {
  test.each([
    ["512", 512],
    ["0", 0],
    ["2B", 2],
    ["4KiB", 4096],
    ["4kib", 4096],
    [" 4 KiB ", 4096],
    ["1.5KiB", 1536],
    ["1MiB", 1024 ** 2],
    ["1GiB", 1024 ** 3],
    ["1kb", 1000],
    ["1MB", 1000 ** 2],
    ["2GB", 2 * 1000 ** 3],
  ])("reads %p as %p bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each([
    ["", "an empty string"],
    ["KiB", "a unit without a number"],
    ["-1", "a negative size"],
    ["4K", "an unknown unit"],
    ["1TiB", "a unit larger than GiB"],
    ["1e3", "an exponent"],
    ["4 Ki B", "a unit split by a space"],
  ])("rejects %p (%s)", (text) => {
    expect(parseSize(text)).toBeNull();
  });
});

describe("formatSize", () => {
  test.each([
    [0, "0"],
    [512, "512"],
    [1000, "1000"],
    [1536, "1536"],
    [1024, "1KiB"],
    [4096, "4KiB"],
    [1024 ** 2, "1MiB"],
    [3 * 1024 ** 2, "3MiB"],
    [1024 ** 3, "1GiB"],
    [1024 ** 2 + 1024, "1025KiB"],
  ])("writes %p bytes as %p", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test.each([0, 1, 1023, 1024, 1536, 4096, 1024 ** 2, 5 * 1024 ** 3])("parses its own output for %p bytes back to the same value", (bytes) => {
    expect(parseSize(formatSize(bytes))).toBe(bytes);
  });
});
