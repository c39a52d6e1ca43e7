/**
 * Headless Chromium for the console's browser tests: the build that the npm
 * package @sparticuz/chromium ships inside its tarball (a headless shell),
 * driven by playwright-core (which downloads no browser). `npm install` or
 * `bun install` brings it; the first launch unpacks it (about 210 MB, a
 * couple of seconds) into a folder of this user's under the temp dir,
 * `hookgate-chromium-<uid>/<package version>/`, and later launches reuse it.
 * Nothing is downloaded, no system Chromium is looked for, and the browser
 * takes NSS, NSPR and expat from the package too, not from the system, and
 * the package's fonts after the system's (if the system has any).
 *
 * Flags keep it from making any connection of its own: no updates, sync,
 * safe-browsing lists, translation or metrics uploads; the tests only reach
 * 127.0.0.1.
 *
 * `bun test/helpers/browser.ts` unpacks it and prints its path and version.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const ARTIFACTS = resolve(import.meta.dir, "../artifacts/console");

const PACKAGE_JSON = Bun.resolveSync("@sparticuz/chromium/package.json", import.meta.dir);
/** The installed @sparticuz/chromium's version; its major is Chromium's. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;
/** The package's compressed browser, libraries and fonts. */
const PACKAGE_BIN = join(dirname(PACKAGE_JSON), "bin");
const UNPACK = join(import.meta.dir, "unpack-chromium.ts");
const UNPACK_TIMEOUT = 120_000;

/** This user's folder for unpacked builds: one user's files never stand in another's way. */
export const CHROMIUM_HOME = join(tmpdir(), `hookgate-chromium-${userInfo().uid}`);

/** Where this version of the package is unpacked unless told otherwise. */
export const CHROMIUM_DIR = join(CHROMIUM_HOME, PACKAGE_VERSION);

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

export interface PackagedChromium {
  /** The browser binary. */
  executablePath: string;
  /** The package's NSS, NSPR and expat, for LD_LIBRARY_PATH. */
  libraryPath: string;
  /** Fontconfig's configuration: the system's fonts, then the package's. For FONTCONFIG_FILE. */
  fontConfig: string;
}

function layout(dir: string): PackagedChromium {
  return { executablePath: join(dir, "chromium"), libraryPath: join(dir, "al2023", "lib"), fontConfig: join(dir, "fonts.conf") };
}

/** dir's parent must be a folder that only this user can write to: the browser run from it is trusted. */
function privateParent(dir: string): string {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const stat = lstatSync(parent);
  const uid = userInfo().uid;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) {
    throw new Error(
      `${parent} must be a directory of uid ${uid} that no one else can write to ` +
        `(it is ${stat.isDirectory() ? "a directory" : "not a directory"} of uid ${stat.uid}, mode ${(stat.mode & 0o777).toString(8)})`,
    );
  }
  return parent;
}

const unpacking = new Map<string, Promise<PackagedChromium>>();

/**
 * The packaged Chromium in dir, unpacked there first if it is not yet. It
 * is unpacked into a fresh sibling folder that is then renamed to dir, so a
 * run that was stopped halfway leaves no half-written browser behind, and
 * of two processes unpacking at once, the first rename wins.
 */
export function packagedChromium(dir: string = CHROMIUM_DIR): Promise<PackagedChromium> {
  let pending = unpacking.get(dir);
  if (!pending) {
    pending = unpack(dir);
    unpacking.set(dir, pending);
    pending.catch(() => unpacking.delete(dir));
  }
  return pending;
}

async function unpack(dir: string): Promise<PackagedChromium> {
  const found = layout(dir);
  if (existsSync(found.fontConfig)) return found; // the last file that unpacking writes
  const staging = mkdtempSync(join(privateParent(dir), ".unpacking-"));
  try {
    const child = Bun.spawn([process.execPath, UNPACK, PACKAGE_BIN], {
      env: { ...process.env, TMPDIR: staging },
      stdout: "pipe",
      stderr: "pipe",
      timeout: UNPACK_TIMEOUT,
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    if (code !== 0) {
      throw new Error(`unpacking @sparticuz/chromium into ${staging} failed (exit ${code}, signal ${child.signalCode}): ${stderr}`);
    }
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process got there first: its copy is as good as this one.
      if (!existsSync(found.fontConfig)) {
        throw new Error(`${dir} is in the way and holds no complete unpacked build: remove it (${String(error)})`);
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return found;
}

export interface LaunchOptions {
  /** Where the packaged Chromium is (or is to be) unpacked; CHROMIUM_DIR by default. */
  dir?: string;
}

/** Launches the packaged Chromium; throws (the test fails, it is not skipped) when it cannot. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const packaged = await packagedChromium(options.dir);
  return chromium.launch({ executablePath: packaged.executablePath, args: ARGS, env: browserEnv(packaged), timeout: 30_000 });
}

/** The tests' environment, with the package's libraries first on LD_LIBRARY_PATH and its font configuration. */
function browserEnv({ libraryPath, fontConfig }: PackagedChromium): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined) env[name] = value;
  }
  env.LD_LIBRARY_PATH = [libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  env.FONTCONFIG_FILE = fontConfig;
  return env;
}

/** Where a screenshot goes: test/artifacts/console/<name>.png (not committed). */
export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, `${name}.png`);
}

if (import.meta.main) {
  const start = performance.now();
  const packaged = await packagedChromium();
  const { executablePath } = packaged;
  const ms = Math.round(performance.now() - start);
  const version = Bun.spawnSync([executablePath, "--version"], { env: browserEnv(packaged) });
  if (version.exitCode !== 0) {
    throw new Error(`${executablePath} --version exited ${version.exitCode}: ${version.stderr.toString()}`);
  }
  console.log(`${version.stdout.toString().trim()} (${executablePath}, @sparticuz/chromium ${PACKAGE_VERSION}, ready in ${ms} ms)`);
}
