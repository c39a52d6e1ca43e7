import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openDgramReceiver } from "../helpers/unix-dgram.ts";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "hg-ready-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.if(process.platform === "linux")(
  "serve tells systemd READY=1 once the port answers, and STOPPING=1 on SIGTERM",
  async () => {
    const socket = `@hookgate-ready-${process.pid}-${crypto.randomUUID()}`;
    const receiver = openDgramReceiver(socket);
    const proc = Bun.spawn(["bun", MAIN, "serve"], {
      cwd: dir,
      env: { ...process.env, NOTIFY_SOCKET: socket, HOOKGATE_SERVER_LISTEN: "127.0.0.1:0", HOOKGATE_LOG_LEVEL: "warn" },
      stdout: "ignore",
      stderr: "inherit",
    });
    try {
      const ready = new TextDecoder().decode(await receiver.receive(20_000));
      expect(ready).toMatch(/^READY=1\nSTATUS=listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = ready.slice(ready.indexOf("http://"));
      // Readiness means the database is open and the port bound: /readyz answers at once.
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(200);

      proc.kill("SIGTERM");
      expect(new TextDecoder().decode(await receiver.receive(20_000))).toBe("STOPPING=1");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      receiver.close();
    }
  },
  30_000,
);
