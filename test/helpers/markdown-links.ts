/**
 * The links and images of a Markdown file, and what is wrong with each, for
 * the docs test: every one must stay inside the repository and point at a
 * file that exists, and an #anchor must name a heading of its file.
 *
 * Read: inline links and images `[text](target)`, `![alt](target)`,
 * reference definitions `[ref]: target`, autolinks `<https://…>`, and the
 * `href`/`src` of raw HTML. Fenced code blocks and code spans are left out:
 * `[[event_types]]` or `events[3]` in code are not links.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";

export interface MarkdownLink {
  /** 1-based line of the link in its file. */
  line: number;
  target: string;
}

const INLINE = /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>]*)>/g;
const HTML_ATTRIBUTE = /<(?:a|img|source|link)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']*)["']/gi;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** Every link target in `text`, with its line, outside code. */
export function extractLinks(text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let fence: string | null = null;
  text.split("\n").forEach((raw, i) => {
    const opened = FENCE.exec(raw);
    if (fence !== null) {
      if (opened && opened[1]![0] === fence[0] && opened[1]!.length >= fence.length && raw.trim() === opened[1]) fence = null;
      return;
    }
    if (opened) {
      fence = opened[1]!;
      return;
    }
    const line = raw.replace(/(`+)[\s\S]*?\1/g, "");
    const add = (target: string) => links.push({ line: i + 1, target: target.replace(/^<|>$/g, "") });
    for (const m of line.matchAll(INLINE)) add(m[1]!);
    for (const m of line.matchAll(AUTOLINK)) add(m[1]!);
    for (const m of line.matchAll(HTML_ATTRIBUTE)) add(m[1]!);
    const definition = DEFINITION.exec(line);
    if (definition) add(definition[1]!);
  });
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2 … */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of text.split("\n")) {
    if (FENCE.test(line)) fence = !fence;
    if (fence) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
    seen.set(slug, n + 1);
  }
  return anchors;
}

/**
 * What is wrong with one link of `file` in the repository at `root`, or null
 * when it is fine.
 */
export function linkProblem(root: string, file: string, target: string): string | null {
  if (target === "") return "an empty link";
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(target) || target.startsWith("//")) return "leaves the repository (a URL)";
  const hash = target.indexOf("#");
  const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash)).split("?")[0]!;
  const anchor = hash < 0 ? null : target.slice(hash + 1);
  if (isAbsolute(path)) return "an absolute path, which means nothing on another checkout";
  const resolved = path === "" ? file : resolve(dirname(file), path);
  const inside = relative(root, resolved);
  if (inside.startsWith("..") || isAbsolute(inside)) return `leaves the repository (${inside})`;
  if (!existsSync(resolved)) return `${inside || "."} does not exist`;
  if (anchor !== null) {
    if (anchor === "") return "an empty #anchor";
    if (statSync(resolved).isDirectory() || !resolved.endsWith(".md")) return `#${anchor} on ${inside}, which has no headings`;
    if (!headingAnchors(readFileSync(resolved, "utf8")).has(decodeURIComponent(anchor))) return `${inside} has no heading #${anchor}`;
  }
  return null;
}
