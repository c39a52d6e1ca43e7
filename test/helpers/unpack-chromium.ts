/**
 * Child process of packagedChromium() in browser.ts: unpacks the Chromium
 * build that the npm package @sparticuz/chromium ships in its tarball, from
 * the package's bin folder (the argument).
 * The package's inflate() always writes into os.tmpdir(), so the parent runs
 * this with TMPDIR set to a fresh folder of its own; setting TMPDIR here, in
 * a process of its own, leaves the tests' temp dir alone.
 *
 * Unpacked: `chromium` (a headless shell), the SwiftShader libraries next to
 * it, `al2023/lib` (NSS, NSPR, expat), which the launcher puts on
 * LD_LIBRARY_PATH, and `fonts/` (Open Sans). Written: `fonts.conf`, which the
 * launcher names in FONTCONFIG_FILE: the system's fonts where it has any,
 * then the package's, so a machine with no fonts at all (on which the
 * browser's pages crash) still renders. The package's own fonts.conf names
 * fixed folders under /tmp and is not used.
 */
import { inflate } from "@sparticuz/chromium";
import { lchownSync, lstatSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const bin = process.argv[2];
if (!bin) throw new Error("usage: bun unpack-chromium.ts <the package's bin folder>");
const out = tmpdir();
await Promise.all(["chromium.br", "swiftshader.tar.br", "al2023.tar.br", "fonts.tar.br"].map((name) => inflate(join(bin, name))));

// Run as root, tar-fs gives files the owner recorded in the archive (the
// fonts are uid 1001's, some real user's here and there): make everything ours.
const uid = process.getuid?.() ?? -1;
const gid = process.getgid?.() ?? -1;
if (uid === 0) {
  for (const name of readdirSync(out, { recursive: true, encoding: "utf8" })) {
    const path = join(out, name);
    const stat = lstatSync(path);
    if (stat.uid !== uid || stat.gid !== gid) lchownSync(path, uid, gid);
  }
}

// The package's fonts by a path relative to this file, so the folder can be renamed into place.
writeFileSync(
  join(out, "fonts.conf"),
  `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir prefix="relative">fonts</dir>
</fontconfig>
`,
);
