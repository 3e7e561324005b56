/**
 * Builds the demo the hub serves (demo/ → dist/demo/): the app bundled with esbuild as an ES
 * module, against this package's built main entry, next to loro-crdt's wasm file and the page.
 * Nothing is fetched at run time. `node scripts/build-demo.mjs [outdir]`; `npm run build` runs it.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export const buildDemo = async (outdir = join(root, "dist", "demo")) => {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [join(root, "demo", "app.ts")],
    outfile: join(outdir, "app.js"),
    bundle: true,
    format: "esm", // loro-crdt finds its wasm through import.meta.url
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    alias: { "loro-rx": join(root, "dist", "streams", "index.js") },
    logLevel: "warning",
  });
  await copyFile(
    join(root, "node_modules", "loro-crdt", "browser", "loro_wasm_bg.wasm"),
    join(outdir, "loro_wasm_bg.wasm"),
  );
  await copyFile(join(root, "demo", "index.html"), join(outdir, "index.html"));
  return outdir;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildDemo(process.argv[2]);
  console.log(`demo built in ${out}`);
}
