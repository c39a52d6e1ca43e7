/**
 * Headless Chromium for the console's browser tests: Debian's `chromium`
 * package driven by playwright-core (which downloads no browser). Flags keep
 * it from making any connection of its own: no updates, sync, safe-browsing
 * lists, translation or metrics uploads; the tests only reach 127.0.0.1.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = resolve(import.meta.dir, "../artifacts/console");

const ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-default-apps",
  "--disable-sync",
  "--no-first-run",
  "--disable-features=Translate,OptimizationHints,MediaRouter",
  "--metrics-recording-only",
  "--safebrowsing-disable-auto-update",
];

/** Launches Chromium; throws (the test fails, it is not skipped) when the package is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium); .ci/run does`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}

/** Where a screenshot goes: test/artifacts/console/<name>.png (not committed). */
export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}
