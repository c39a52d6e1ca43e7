/**
 * The import graph of src/, for the architecture tests. Type-only imports
 * count: a face that imports a store type depends on the store as much as
 * one that imports a function. (Bun's own import scanner leaves type-only
 * imports out, so this reads the source itself, with a small tokenizer
 * that skips comments, strings, templates and regular expressions. It does
 * not know JSX text, where an apostrophe would read as a quote; imports come
 * before any JSX, and the test checks that it finds every import Bun finds.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

type Token = { kind: "word" | "string" | "punct"; text: string };

/** Keywords after which a "/" starts a regular expression, not a division. */
const BEFORE_REGEX = new Set(["return", "typeof", "case", "in", "of", "delete", "void", "throw", "new", "else", "do", "instanceof", "yield", "await"]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  const readString = (quote: string): string => {
    let text = "";
    i++;
    while (i < n && source[i] !== quote) {
      if (source[i] === "\\") i++;
      text += source[i];
      i++;
    }
    i++;
    return text;
  };
  const skipTemplate = (): void => {
    i++;
    while (i < n && source[i] !== "`") {
      if (source[i] === "\\") i += 2;
      else if (source[i] === "$" && source[i + 1] === "{") {
        // An expression inside the template: skip to its matching brace, strings and nested templates included.
        i += 2;
        let depth = 1;
        while (i < n && depth > 0) {
          const ch = source[i]!;
          if (ch === "{") depth++;
          else if (ch === "}") depth--;
          if (ch === '"' || ch === "'") readString(ch);
          else if (ch === "`") skipTemplate();
          else i++;
        }
      } else i++;
    }
    i++;
  };
  while (i < n) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (/\s/.test(ch)) i++;
    else if (ch === "/" && next === "/") while (i < n && source[i] !== "\n") i++;
    else if (ch === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else if (ch === '"' || ch === "'") tokens.push({ kind: "string", text: readString(ch) });
    else if (ch === "`") {
      skipTemplate();
      tokens.push({ kind: "punct", text: "`" });
    } else if (ch === "/") {
      const prev = tokens.at(-1);
      const division = prev !== undefined && ((prev.kind === "word" && !BEFORE_REGEX.has(prev.text)) || prev.kind === "string" || [")", "]", "}", "`"].includes(prev.text));
      if (division) {
        tokens.push({ kind: "punct", text: "/" });
        i++;
      } else {
        // A regular expression literal: up to the closing slash outside a character class.
        i++;
        let inClass = false;
        while (i < n && (inClass || source[i] !== "/")) {
          if (source[i] === "\\") i++;
          else if (source[i] === "[") inClass = true;
          else if (source[i] === "]") inClass = false;
          i++;
        }
        i++;
        while (i < n && /[a-z]/.test(source[i]!)) i++;
        tokens.push({ kind: "punct", text: "regex" });
      }
    } else if (/[A-Za-z_$0-9]/.test(ch)) {
      let word = "";
      while (i < n && /[A-Za-z_$0-9]/.test(source[i]!)) word += source[i++];
      tokens.push({ kind: "word", text: word });
    } else {
      tokens.push({ kind: "punct", text: ch });
      i++;
    }
  }
  return tokens;
}

/**
 * Every module a source file names: `import … from`, `export … from`
 * (type-only ones too), side-effect and dynamic imports, and worker entry
 * points (`new URL("./x.ts", import.meta.url)`).
 */
export function moduleSpecifiers(source: string): string[] {
  const tokens = tokenize(source);
  const found: string[] = [];
  tokens.forEach((t, k) => {
    const at = (d: number) => tokens[k + d];
    if (t.kind === "word" && t.text === "from" && at(1)?.kind === "string") found.push(at(1)!.text);
    else if (t.kind === "word" && t.text === "import" && at(1)?.kind === "string") found.push(at(1)!.text);
    else if (t.kind === "word" && t.text === "import" && at(1)?.text === "(" && at(2)?.kind === "string") found.push(at(2)!.text);
    else if (t.text === "URL" && at(-1)?.text === "new" && at(1)?.text === "(" && at(2)?.kind === "string" && at(3)?.text === "," && at(4)?.text === "import") {
      found.push(at(2)!.text);
    }
  });
  return found;
}

/** One import between files of src/, paths relative to src/. */
export interface FileImport {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Every import from one file of `srcDir` to another; packages and node: modules are left out. Throws on an import that names no file. */
export function fileImports(srcDir: string): FileImport[] {
  const root = resolve(srcDir);
  return sourceFiles(root).flatMap((file) =>
    moduleSpecifiers(readFileSync(file, "utf8"))
      .filter((spec) => spec.startsWith("."))
      .map((spec) => {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${relative(root, file)} imports ${spec}, which is not a file`);
        return { from: relative(root, file), to: relative(root, target) };
      }),
  );
}

/** What a file outside src/ (package.json) counts as: a part of its own, which imports nothing back. */
export const OUTSIDE_SRC = "(outside src)";

/** The top-level part a file of src/ belongs to: its first folder, or the file itself (without extension) at the top. */
export function partOf(path: string): string {
  if (path.startsWith("../")) return OUTSIDE_SRC;
  const slash = path.indexOf("/");
  return slash === -1 ? path.replace(/\.tsx?$/, "") : path.slice(0, slash);
}

/** Part → the parts it imports (itself left out), each edge with the file imports that make it. */
export function partGraph(imports: FileImport[]): Map<string, Map<string, FileImport[]>> {
  const graph = new Map<string, Map<string, FileImport[]>>();
  for (const edge of imports) {
    const from = partOf(edge.from);
    const to = partOf(edge.to);
    const targets = graph.get(from) ?? new Map<string, FileImport[]>();
    graph.set(from, targets);
    if (from === to) continue;
    targets.set(to, [...(targets.get(to) ?? []), edge]);
  }
  return graph;
}

/**
 * One cycle per group of parts that reach each other (a strongly connected
 * component of more than one part), as a path that starts and ends at the
 * same part, e.g. ["http", "web", "http"]. Empty when the graph runs one way.
 */
export function findCycles(graph: Map<string, Iterable<string>>): string[][] {
  const nodes = new Set<string>([...graph.keys(), ...[...graph.values()].flatMap((t) => [...t])]);
  const next = (node: string) => [...(graph.get(node) ?? [])].sort();
  // Tarjan's algorithm, recursive: the graph has a dozen nodes.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...nodes].sort()) if (!index.has(v)) visit(v);
  return components.map((component) => cycleThrough(component, next));
}

/** A path from the component's first part (by name) back to itself, staying inside the component (breadth first: a shortest one). */
function cycleThrough(component: string[], next: (node: string) => string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v).filter((x) => members.has(x))) {
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== undefined && at !== start; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`parts ${component.join(", ")} were grouped as a cycle but none closes`);
}
