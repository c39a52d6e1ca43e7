/**
 * Child process of packagedChromium() in browser.ts: unpacks the Chromium
 * build that the npm package @sparticuz/chromium ships in its tarball.
 * The package's inflate() always writes into os.tmpdir(), so the parent runs
 * this with TMPDIR set to a fresh folder of its own; setting TMPDIR here, in
 * a process of its own, leaves the tests' temp dir alone.
 *
 * Unpacked: `chromium` (a headless shell), the SwiftShader libraries next to
 * it, and `al2023/lib` (NSS, NSPR, expat), which the launcher puts on
 * LD_LIBRARY_PATH so the browser needs none of them from the system. Not
 * unpacked: the package's fonts, whose fonts.conf names fixed folders under
 * /tmp; the browser uses the system's fonts.
 */
import { inflate } from "@sparticuz/chromium";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/", import.meta.resolve("@sparticuz/chromium")));
await Promise.all(["chromium.br", "swiftshader.tar.br", "al2023.tar.br"].map((name) => inflate(bin + name)));
