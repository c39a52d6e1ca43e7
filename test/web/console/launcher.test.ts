/**
 * The browser tests' launcher as on a fresh machine, where the only Chromium
 * is the one `npm install` brought in @sparticuz/chromium: pointed at an
 * empty folder, it unpacks the package there, and the browser process that
 * runs executes the binary from that folder (not /usr/bin/chromium, if the
 * machine has one) with NSS from that folder (not the system's), and loads a
 * page served on 127.0.0.1 in the package's font. Linux only, like the
 * project: it reads /proc.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { basename, dirname, join } from "node:path";
import type { Browser } from "playwright-core";
import { CHROMIUM_DIR, PACKAGE_VERSION, launchBrowser, packagedChromium } from "../../helpers/browser.ts";
import { createTempDir, type TempDir } from "../../helpers/temp-dir.ts";

const T = 120_000;

/** Pids of this process's children (the browser is one, once launched). */
function children(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch (error) {
      // A process that ended between readdir and read has no stat left to read.
      if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH") continue;
      throw error;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === process.pid) pids.push(Number(name));
  }
  return pids;
}

/** Files a process has mapped whose name starts with prefix (shared libraries, say). */
function mapped(pid: number, prefix: string): string[] {
  const paths = readFileSync(`/proc/${pid}/maps`, "utf8")
    .split("\n")
    .map((line) => line.split(/\s+/).slice(5).join(" "))
    .filter((path) => path.startsWith("/") && basename(path).startsWith(prefix));
  return [...new Set(paths)];
}

let browser: Browser | undefined;
let server: ReturnType<typeof Bun.serve> | undefined;
const temps: TempDir[] = [];

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  server?.stop(true);
  server = undefined;
  for (const temp of temps.splice(0)) temp.cleanup();
});

describe("browser launcher", () => {
  test(
    "unpacks the packaged Chromium into an empty folder, runs it from there and loads a page from 127.0.0.1",
    async () => {
      const temp = createTempDir("hookgate-launcher-");
      temps.push(temp);
      const dir = temp.join("chromium");
      expect(existsSync(dir)).toBe(false);

      const before = new Set(children());
      const start = performance.now();
      browser = await launchBrowser({ dir });
      const launchMs = Math.round(performance.now() - start);
      const launched = children().filter((pid) => !before.has(pid));

      const { executablePath, libraryPath } = await packagedChromium(dir);
      expect(executablePath).toBe(join(dir, "chromium"));
      expect(statSync(executablePath).mode & 0o111).not.toBe(0);
      // The process Playwright started runs the unpacked binary, with the package's NSS.
      expect(launched).toHaveLength(1);
      const pid = launched[0]!;
      expect(readlinkSync(`/proc/${pid}/exe`)).toBe(executablePath);
      expect(mapped(pid, "libnss3.so")).toEqual([join(libraryPath, "libnss3.so")]);
      expect(browser.version().split(".")[0]).toBe(PACKAGE_VERSION.split(".")[0]);

      server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: () =>
          new Response(`<!doctype html><title>launcher</title><p id="out" style="font-family: 'Open Sans'">static</p><script>out.textContent = "ran on " + location.host</script>`, {
            headers: { "content-type": "text/html; charset=utf-8" },
          }),
      });
      const page = await browser.newPage();
      const response = await page.goto(`http://127.0.0.1:${server.port}/`);
      expect(response?.status()).toBe(200);
      expect(await page.textContent("#out")).toBe(`ran on 127.0.0.1:${server.port}`);
      // The package's fonts are found (on a machine without fonts of its own, pages crash without them).
      const cdp = await page.context().newCDPSession(page);
      await cdp.send("DOM.enable");
      await cdp.send("CSS.enable");
      const { root } = await cdp.send("DOM.getDocument");
      const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "#out" });
      const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
      expect(fonts.map((font) => font.familyName)).toEqual(["Open Sans"]);
      console.log(`launcher: unpacked and launched Chromium ${browser.version()} from ${dir} in ${launchMs} ms`);
    },
    T,
  );

  test(
    "by default it unpacks into a folder of this user's under the temp dir, one per package version",
    async () => {
      const uid = userInfo().uid;
      expect(CHROMIUM_DIR).toBe(join(tmpdir(), `hookgate-chromium-${uid}`, PACKAGE_VERSION));
      const { executablePath } = await packagedChromium();
      expect(executablePath).toBe(join(CHROMIUM_DIR, "chromium"));
      const home = statSync(dirname(CHROMIUM_DIR));
      expect(home.uid).toBe(uid);
      expect(home.mode & 0o022).toBe(0);
    },
    T,
  );

  test("refuses a folder that other users can write to", async () => {
    const temp = createTempDir("hookgate-launcher-");
    temps.push(temp);
    chmodSync(temp.path, 0o777);
    await expect(packagedChromium(temp.join("chromium"))).rejects.toThrow("that no one else can write to");
    expect(readdirSync(temp.path)).toEqual([]);
  });
});
