import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notifyReady, notifyStopping, sdNotify } from "../../src/systemd/notify.ts";
import { openDgramReceiver, type DgramReceiver } from "../helpers/unix-dgram.ts";

const TIMEOUT_MS = 15_000;
const bytes = (s: string) => new TextEncoder().encode(s);

test("returns false and sends nothing when NOTIFY_SOCKET is unset or empty", () => {
  expect(sdNotify("READY=1", {})).toBe(false);
  expect(sdNotify("READY=1", { NOTIFY_SOCKET: "" })).toBe(false);
  expect(notifyReady("up", {})).toBe(false);
  expect(notifyStopping({})).toBe(false);
});

describe.skipIf(process.platform !== "linux")("sd_notify over a real unix datagram socket", () => {
  let dir: string;
  let receivers: DgramReceiver[];

  beforeEach(() => {
    // A short base keeps the socket path well under sun_path's 108 bytes.
    dir = mkdtempSync(join(tmpdir(), "hg-notify-"));
    receivers = [];
  });

  afterEach(() => {
    for (const r of receivers) r.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const listen = (address: string) => {
    const r = openDgramReceiver(address);
    receivers.push(r);
    return r;
  };

  const abstractName = () => `@hookgate-test-${process.pid}-${crypto.randomUUID()}`;

  test(
    "delivers the exact state bytes to a filesystem socket",
    async () => {
      const r = listen(join(dir, "notify.sock"));
      const state = "READY=1\nSTATUS=listening on 127.0.0.1:8720 ✓";
      expect(sdNotify(state, { NOTIFY_SOCKET: r.address })).toBe(true);
      expect(await r.receive()).toEqual(bytes(state));
      expect(r.tryReceive()).toBeNull();
    },
    TIMEOUT_MS,
  );

  test(
    "delivers to an abstract socket, whose address length must be exact",
    async () => {
      // The receiver binds the exact name; a padded address would name another
      // socket and sendto would fail with ECONNREFUSED instead.
      const r = listen(abstractName());
      expect(sdNotify("STOPPING=1", { NOTIFY_SOCKET: r.address })).toBe(true);
      expect(await r.receive()).toEqual(bytes("STOPPING=1"));
      expect(r.tryReceive()).toBeNull();
    },
    TIMEOUT_MS,
  );

  test(
    "notifyReady sends READY=1 with a one-line status and notifyStopping sends STOPPING=1",
    async () => {
      const r = listen(join(dir, "notify.sock"));
      const env = { NOTIFY_SOCKET: r.address };
      expect(notifyReady("database open\nport bound", env)).toBe(true);
      expect(notifyStopping(env)).toBe(true);
      expect(await r.receive()).toEqual(bytes("READY=1\nSTATUS=database open port bound"));
      expect(await r.receive()).toEqual(bytes("STOPPING=1"));
    },
    TIMEOUT_MS,
  );

  test("throws with the errno name when nobody listens at the path", () => {
    const missing = join(dir, "missing.sock");
    let thrown: unknown;
    try {
      sdNotify("READY=1", { NOTIFY_SOCKET: missing });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toMatch(/sendto\(\).*ENOENT \(errno 2\)/);
    expect(thrown).toMatchObject({ code: "ENOENT", errno: 2, syscall: "sendto" });
  });

  test(
    "accepts an abstract name that fills sun_path exactly",
    async () => {
      // 108 bytes: the leading NUL plus 107 name bytes, no terminator.
      const base = abstractName();
      const r = listen(base + "x".repeat(108 - new TextEncoder().encode(base).length));
      expect(sdNotify("READY=1", { NOTIFY_SOCKET: r.address })).toBe(true);
      expect(await r.receive()).toEqual(bytes("READY=1"));
    },
    TIMEOUT_MS,
  );

  test("throws ECONNREFUSED when nobody listens at the abstract name", () => {
    expect(() => sdNotify("READY=1", { NOTIFY_SOCKET: abstractName() })).toThrow(/ECONNREFUSED/);
  });

  test("rejects addresses that are not absolute paths, abstract names, or that do not fit", () => {
    expect(() => sdNotify("READY=1", { NOTIFY_SOCKET: "relative.sock" })).toThrow(/absolute path/);
    expect(() => sdNotify("READY=1", { NOTIFY_SOCKET: `/${"x".repeat(107)}` })).toThrow(/longer than/);
    expect(() => sdNotify("READY=1", { NOTIFY_SOCKET: `@${"x".repeat(108)}` })).toThrow(/longer than/);
  });

  test("rejects an empty state", () => {
    expect(() => sdNotify("", { NOTIFY_SOCKET: join(dir, "notify.sock") })).toThrow(/must not be empty/);
  });
});
