/**
 * The main entry is browser-safe: bundling it for the browser pulls in no Node built-in, no `ws`
 * and no `classic-level` (DESIGN.md, "In the browser"). Both the sources and the built `dist/`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { build, type Plugin } from "esbuild";

const root = join(__dirname, "..", "..");
const FORBIDDEN = /^(node:|ws$|ws\/|classic-level)/;
const NODE_BUILTINS = new Set(require("node:module").builtinModules as string[]);

/** Records every import of something a browser cannot load, and keeps it out of the bundle. */
const forbiddenImports = (found: string[]): Plugin => ({
  name: "forbidden-imports",
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (FORBIDDEN.test(args.path) || NODE_BUILTINS.has(args.path)) {
        found.push(`${args.path} (from ${args.importer.replace(root, "")})`);
        return { path: args.path, external: true };
      }
      return undefined;
    });
  },
});

const bundle = async (entry: string): Promise<{ found: string[]; inputs: string[] }> => {
  const found: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [forbiddenImports(found)],
  });
  return { found, inputs: Object.keys(result.metafile.inputs) };
};

describe("the main entry in a browser bundle", () => {
  it("from the sources: no node: module, ws or classic-level in the graph", async () => {
    const { found, inputs } = await bundle(join(root, "streams", "index.ts"));
    expect(found).toEqual([]);
    // Positive markers: the bundle did include the client, acknowledgement and the browser parts.
    expect(inputs.some((i) => i.endsWith("websocket-client.ts"))).toBe(true);
    expect(inputs.some((i) => i.endsWith("when-durable.ts"))).toBe(true);
    expect(inputs.some((i) => i.includes("loro-crdt"))).toBe(true);
  });

  it("from dist/ (what users install)", async () => {
    const entry = join(root, "dist", "streams", "index.js");
    expect(existsSync(entry)).toBe(true);
    const { found, inputs } = await bundle(entry);
    expect(found).toEqual([]);
    expect(inputs.some((i) => i.endsWith("websocket-client.js"))).toBe(true);
  });

  it("the check itself catches a Node import (the Node entry is not browser-safe)", async () => {
    const { found } = await bundle(join(root, "streams", "node.ts"));
    expect(found.some((f) => f.startsWith("ws "))).toBe(true);
    expect(found.some((f) => f.startsWith("classic-level "))).toBe(true);
  });
});
