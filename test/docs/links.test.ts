/**
 * The README and docs/ stand on their own: every link and image points at a
 * file of this repository that exists (and at a heading that exists, for an
 * #anchor), never outside it and never at another site.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { extractLinks, headingAnchors, linkProblem } from "../helpers/markdown-links.ts";
import { createTempDir } from "../helpers/temp-dir.ts";

const ROOT = join(import.meta.dir, "../..");

/** README.md and the other Markdown files at the top, and every Markdown file in docs/. */
function documents(): string[] {
  const top = readdirSync(ROOT).filter((f) => f.endsWith(".md")).map((f) => join(ROOT, f));
  const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(ROOT, "docs", f));
  return [...top, ...docs];
}

describe("the repository's Markdown", () => {
  test("covers README.md and docs/architecture.md", () => {
    const names = documents().map((f) => relative(ROOT, f));
    expect(names).toContain("README.md");
    expect(names).toContain("docs/architecture.md");
  });

  test("has no link or image that leaves the repository or points at nothing", () => {
    const problems: string[] = [];
    let count = 0;
    for (const file of documents()) {
      for (const { line, target } of extractLinks(readFileSync(file, "utf8"))) {
        count++;
        const problem = linkProblem(ROOT, file, target);
        if (problem) problems.push(`${relative(ROOT, file)}:${line}: ${target}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    // The README links the architecture page, the example config, the unit and two screenshots at least.
    expect(count).toBeGreaterThanOrEqual(5);
  });
});

describe("extractLinks", () => {
  test.each([
    ["[a](docs/a.md)", ["docs/a.md"]],
    ["![shot](docs/x.png \"title\")", ["docs/x.png"]],
    ["see [a](<with space.md>) and [b](#here)", ["with space.md", "#here"]],
    ["[ref]: ../outside.md", ["../outside.md"]],
    ["<https://example.com/>", ["https://example.com/"]],
    ['<img src="docs/x.png"> <a href="https://example.com">x</a>', ["docs/x.png", "https://example.com"]],
    ["`[[event_types]]` and `[a](b.md)` in code", []],
    ["events[3].data and [[event_types]] are not links", []],
  ])("finds the targets of %p", (text, targets) => {
    expect(extractLinks(text).map((l) => l.target)).toEqual(targets);
  });

  test("leaves fenced code out and counts lines from 1", () => {
    const text = ["# Title", "```sh", "[not](a-link.md)", "```", "~~~", "[nor](this.md)", "~~~", "[yes](it.md)"].join("\n");
    expect(extractLinks(text)).toEqual([{ line: 8, target: "it.md" }]);
  });
});

describe("headingAnchors", () => {
  test("makes GitHub's anchors, numbering repeats", () => {
    const text = "# hookgate\n## What a subscriber receives\n### `GET /v1/stats`, in brief!\n## Notes\n## Notes\n```\n# not a heading\n```";
    expect([...headingAnchors(text)]).toEqual(["hookgate", "what-a-subscriber-receives", "get-v1stats-in-brief", "notes", "notes-1"]);
  });
});

describe("linkProblem", () => {
  const dir = createTempDir("hookgate-links-");
  afterAll(() => dir.cleanup());
  mkdirSync(join(dir.path, "docs"));
  writeFileSync(join(dir.path, "README.md"), "# Top\n## Quick start\n");
  writeFileSync(join(dir.path, "docs", "guide.md"), "# Guide\n");
  const readme = join(dir.path, "README.md");
  const guide = join(dir.path, "docs", "guide.md");

  test.each([
    [readme, "docs/guide.md", null],
    [readme, "docs/guide.md#guide", null],
    [readme, "#quick-start", null],
    [guide, "../README.md#top", null],
    [readme, "docs", null],
    [readme, "https://example.com/", "leaves the repository (a URL)"],
    [readme, "mailto:someone@example.com", "leaves the repository (a URL)"],
    [readme, "//example.com/x", "leaves the repository (a URL)"],
    [readme, "../shared/API.md", "leaves the repository (../shared/API.md)"],
    [guide, "../../elsewhere.md", "leaves the repository (../elsewhere.md)"],
    [readme, "/etc/passwd", "an absolute path, which means nothing on another checkout"],
    [readme, "docs/missing.md", "docs/missing.md does not exist"],
    [readme, "#missing", "README.md has no heading #missing"],
    [readme, "docs/guide.md#nowhere", "docs/guide.md has no heading #nowhere"],
    [readme, "docs#x", "#x on docs, which has no headings"],
    [readme, "", "an empty link"],
  ])("in %p, %p is %p", (file, target, problem) => {
    expect(linkProblem(dir.path, file, target)).toBe(problem);
  });
});
