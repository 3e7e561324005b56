/**
 * The rooms of `streams/` do not reach back: every import (`import type` included) between
 * folders points one way, so the folder graph has no cycle. Files at the top of `streams/`
 * (`transport.ts`, `repo.ts`, the entry points) are nodes of their own. `ports/` holds the
 * interfaces engine, effects and presence share, and imports none of them.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(__dirname, "../../streams");

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });

/** `engine` for streams/engine/x.ts, `transport.ts` for streams/transport.ts. */
const nodeOf = (file: string): string | undefined => {
  const rel = relative(root, file);
  if (rel.startsWith("..")) return undefined; // src/ or outside: not a room of streams/
  return rel.split("/")[0];
};

const importsOf = (file: string): string[] => {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts")));
};

const graph = (): Map<string, Set<string>> => {
  const edges = new Map<string, Set<string>>();
  for (const file of sourceFiles(root)) {
    const from = nodeOf(file)!;
    const targets = edges.get(from) ?? new Set<string>();
    edges.set(from, targets);
    for (const target of importsOf(file)) {
      const to = nodeOf(target);
      if (to !== undefined && to !== from) targets.add(to);
    }
  }
  return edges;
};

/** Every cycle's path, found by depth-first search ([] when the graph is acyclic). */
const cycles = (edges: Map<string, Set<string>>): string[][] => {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (node: string, path: string[]): void => {
    state.set(node, "open");
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), node, next]);
      else if (state.get(next) === undefined) visit(next, [...path, node]);
    }
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (state.get(node) === undefined) visit(node, []);
  return found;
};

describe("imports between the folders of streams/", () => {
  const edges = graph();

  it("sees the rooms and their arrows (the check reads real imports)", () => {
    expect(edges.get("engine")).toEqual(expect.any(Set));
    expect([...(edges.get("engine") ?? [])]).toEqual(
      expect.arrayContaining(["effects", "presence", "ports", "operators"]),
    );
    expect([...(edges.get("effects") ?? [])]).toContain("ports");
    expect([...(edges.get("presence") ?? [])]).toContain("ports");
  });

  it("all point one way: no folder imports from a folder that (transitively) imports it", () => {
    expect(cycles(edges)).toEqual([]);
  });

  it("effects and presence reach the engine's shared types through ports/, never the engine", () => {
    expect([...(edges.get("effects") ?? [])]).not.toContain("engine");
    expect([...(edges.get("presence") ?? [])]).not.toContain("engine");
    expect([...(edges.get("presence") ?? [])]).not.toContain("effects");
    expect([...(edges.get("ports") ?? [])].sort()).toEqual(["transport.ts"]);
  });

  it("the cycle finder finds a cycle when there is one", () => {
    const withCycle = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
    ]);
    expect(cycles(withCycle)).toEqual([["a", "b", "c", "a"]]);
  });
});
