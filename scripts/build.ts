/**
 * `bun run build`: compiles hookgate into one self-contained executable,
 * dist/hookgate, that runs on a host without Bun, then checks it starts from
 * an empty folder.
 *
 * Build choices, and why:
 * - bytecode: JavaScriptCore parses nothing at start-up, so the daemon is
 *   ready sooner. Bytecode defaults to CommonJS, which has no top-level
 *   await, and main.ts ends with `await main(...)`; so the format is set to
 *   ESM, which Bun supports for bytecode inside a compiled executable.
 * - sourcemap: with compile, Bun embeds the map in the executable, so stack
 *   traces name src/ files and lines with nothing shipped beside it.
 * - autoloadDotenv/autoloadBunfig off: a stray .env or bunfig.toml in the
 *   service's working directory must not change how it behaves.
 * - HOOKGATE_BUILD_VERSION: src/version.ts reads this identifier, so the
 *   executable reports the package version plus the commit it was built from.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import pkg from "../package.json" with { type: "json" };

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "src/main.ts");
// Worker threads are separate entry points inside the executable (src/store/sqlite/checkpointer.ts).
const WORKERS = [join(ROOT, "src/store/sqlite/checkpoint-worker.ts")];
const OUTFILE = join(ROOT, "dist/hookgate");

const version = `${pkg.version}+${gitShortSha() ?? "nogit"}`;
const started = performance.now();

const result = await Bun.build({
  entrypoints: [ENTRY, ...WORKERS],
  target: "bun",
  format: "esm",
  compile: { outfile: OUTFILE, autoloadDotenv: false, autoloadBunfig: false },
  minify: true,
  sourcemap: "linked",
  bytecode: true,
  define: { HOOKGATE_BUILD_VERSION: JSON.stringify(version) },
});
for (const message of result.logs) console.warn(message);
if (!result.success) {
  console.error("build failed");
  process.exit(1);
}
// The map is already inside the executable; the copy Bun also writes beside
// it would only be a second, easily stale, artefact in dist/.
for (const output of result.outputs) {
  if (output.kind === "sourcemap") rmSync(output.path, { force: true });
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const mib = (statSync(OUTFILE).size / 1024 / 1024).toFixed(1);
console.log(`built ${relative(process.cwd(), OUTFILE) || OUTFILE}: ${mib} MiB, version ${version}, in ${seconds}s`);

checkRunsFromEmptyFolder();

/** The commit being built, or null (with the reason on stderr) outside a git checkout. */
function gitShortSha(): string | null {
  if (Bun.which("git") === null) {
    console.warn("git not found: the version gets +nogit");
    return null;
  }
  const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT, stderr: "pipe" });
  if (git.exitCode !== 0) {
    console.warn(`git rev-parse failed (${git.stderr.toString().trim()}): the version gets +nogit`);
    return null;
  }
  return git.stdout.toString().trim();
}

/**
 * Runs `hookgate version` in a fresh empty directory with no HOOKGATE_*
 * settings: proves the executable needs no file from the source tree and that
 * the bytecode and the injected version load.
 */
function checkRunsFromEmptyFolder(): void {
  const dir = mkdtempSync(join(tmpdir(), "hookgate-build-check-"));
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HOOKGATE_")));
    const run = Bun.spawnSync([OUTFILE, "version"], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
    const out = run.stdout.toString().trim();
    if (run.exitCode !== 0 || out !== `hookgate ${version}`) {
      console.error(`dist/hookgate version from an empty folder: exit ${run.exitCode}, stdout "${out}", stderr:\n${run.stderr.toString()}`);
      process.exit(1);
    }
    console.log(`checked: \`hookgate version\` from an empty folder prints "${out}"`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
