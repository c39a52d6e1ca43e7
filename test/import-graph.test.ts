/**
 * The one-way rules of DESIGN.md, checked on the import graph of src/
 * (type-only imports included), folded to its top-level parts: folders
 * (http, web, operations, ingest, delivery, store, domain, …) and top-level
 * files, each its own part.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileImports, findCycles, moduleSpecifiers, OUTSIDE_SRC, partGraph, partOf, type FileImport } from "./helpers/import-graph.ts";

const SRC = join(import.meta.dir, "../src");
const imports = fileImports(SRC);
const graph = partGraph(imports);

/** The faces: what serves people and programs over HTTP. */
const FACES = ["http", "web"];
/** The wiring: the only parts that may import a face, to mount it. */
const WIRING = ["daemon", "faces"];

const shown = (edges: FileImport[]) => edges.map((e) => `${e.from} → ${e.to}`);

describe("the import scanner", () => {
  test("finds every kind of import, type-only ones too, and nothing in comments, strings or regular expressions", () => {
    const source = [
      'import type { A } from "./a.ts";',
      'import { type B, C } from "./bc.ts";',
      'export { D } from "./d.ts";',
      'export type { E } from "./e.ts";',
      'export * from "./f.ts";',
      'import "./side-effect.ts";',
      'const later = await import("./dynamic.ts");',
      'const worker = new URL("./worker.ts", import.meta.url);',
      '// import { X } from "./commented.ts";',
      '/* export { Y } from "./block-comment.ts"; */',
      'const text = \'import z from "./in-a-string.ts"\';',
      'const pattern = /from "\\.\\/in-a-regex.ts"/;',
      'const template = `export { w } from "./in-a-template.ts" ${"}"}`;',
      'const n = Array.from("abc");',
    ].join("\n");
    expect(moduleSpecifiers(source)).toEqual(["./a.ts", "./bc.ts", "./d.ts", "./e.ts", "./f.ts", "./side-effect.ts", "./dynamic.ts", "./worker.ts"]);
  });

  test("finds, in every file of src/, at least every import of another file that Bun's own scanner finds", () => {
    const bun = new Bun.Transpiler({ loader: "tsx" });
    const byFile = Map.groupBy(imports, (e) => e.from);
    const missed = [...byFile.keys()].flatMap((file) => {
      const ours = new Set(moduleSpecifiers(readFileSync(join(SRC, file), "utf8")));
      return bun.scanImports(readFileSync(join(SRC, file), "utf8")).filter((i) => i.path.startsWith(".") && !ours.has(i.path)).map((i) => `${file}: ${i.path}`);
    });
    expect(missed).toEqual([]);
    expect(byFile.size).toBeGreaterThan(50);
  });

  test("folds a file to its top-level folder, and a top-level file to itself", () => {
    expect(partOf("web/console/pages/webhooks.tsx")).toBe("web");
    expect(partOf("store/errors.ts")).toBe("store");
    expect(partOf("daemon.ts")).toBe("daemon");
    expect(partOf("../package.json")).toBe(OUTSIDE_SRC);
  });
});

describe("the cycle finder", () => {
  const graphOf = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  test("finds none in a graph that runs one way", () => {
    expect(findCycles(graphOf({ a: ["b", "c"], b: ["c"], c: [] }))).toEqual([]);
  });

  test("names a cycle of two parts", () => {
    expect(findCycles(graphOf({ http: ["web"], web: ["http"] }))).toEqual([["http", "web", "http"]]);
  });

  test("names a longer cycle through the parts that form it, and each separate cycle once", () => {
    const cycles = findCycles(graphOf({ a: ["b"], b: ["c"], c: ["a"], d: ["a", "e"], e: ["d"], f: ["a"] }));
    expect(cycles).toHaveLength(2);
    expect(cycles).toContainEqual(["a", "b", "c", "a"]);
    expect(cycles).toContainEqual(["d", "e", "d"]);
  });

  test("fails on a cycle made by two file imports between two folders", () => {
    const twoWay = partGraph([
      { from: "web/console/console.tsx", to: "http/errors.ts" },
      { from: "http/app.ts", to: "web/console/console.tsx" },
    ]);
    const asNames = new Map([...twoWay].map(([part, targets]) => [part, [...targets.keys()]]));
    expect(findCycles(asNames)).toEqual([["http", "web", "http"]]);
  });
});

describe("src/ runs one way, down", () => {
  test("no two top-level parts import each other, directly or around a cycle", () => {
    const asNames = new Map([...graph].map(([part, targets]) => [part, [...targets.keys()]]));
    const cycles = findCycles(asNames).map((cycle) => ({
      cycle: cycle.join(" → "),
      imports: cycle.slice(0, -1).flatMap((part, i) => shown(graph.get(part)!.get(cycle[i + 1]!)!)),
    }));
    expect(cycles).toEqual([]);
  });

  test("no face imports another face", () => {
    const crossing = FACES.flatMap((face) => FACES.filter((other) => other !== face).flatMap((other) => shown(graph.get(face)?.get(other) ?? [])));
    expect(crossing).toEqual([]);
  });

  test("nothing below a face imports one; only the wiring mounts them", () => {
    const upward = [...graph]
      .filter(([part]) => !FACES.includes(part) && !WIRING.includes(part))
      .flatMap(([, targets]) => FACES.flatMap((face) => shown(targets.get(face) ?? [])));
    expect(upward).toEqual([]);
  });

  test("the faces reach the store only for its errors (store/errors.ts); everything else goes through operations", () => {
    const intoStore = imports.filter((e) => FACES.includes(partOf(e.from)) && partOf(e.to) === "store" && e.to !== "store/errors.ts");
    expect(shown(intoStore)).toEqual([]);
  });
});
