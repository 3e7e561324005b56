/**
 * Browser figures for the README and reports, in headless Chromium (CHROMIUM_PATH, default
 * /usr/bin/chromium):
 * 1. bundle size of loro-rx's own client code (minified, gzipped; rxjs, loro-crdt, fp-ts, io-ts
 *    and cborg left out) and of a whole small client (everything but the wasm);
 * 2. IndexedDB load time of a document that saw N local edits (one chunk each), before and after
 *    compaction;
 * 3. page-to-page edit latency through a hub on 127.0.0.1 (two browser contexts), p50 and p99.
 *
 * `npm run build && node scripts/browser-figures.mjs [--edits 10000] [--latency 300]`
 */
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";
import { startHub } from "../dist/streams/node.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const EDITS = arg("edits", 10_000);
const LATENCY_EDITS = arg("latency", 300);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const CLIENT = `export { createRepo, webSocketClient, indexedDbStorageTransport,
  broadcastChannelTransport, unsyncedChanges, whenDurable } from "${join(root, "dist/streams/index.js")}";`;

const sizeOf = async (external) => {
  const out = await build({
    stdin: { contents: CLIENT, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    external,
  });
  const bytes = out.outputFiles[0].contents;
  return { min: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
};

const own = await sizeOf([
  "rxjs",
  "rxjs/*",
  "loro-crdt",
  "fp-ts",
  "fp-ts/*",
  "io-ts",
  "io-ts/*",
  "cborg",
  "cborg/*",
  "tslib",
]);
const whole = await sizeOf([]);
console.log(`1. bundle: loro-rx's own client code ${kb(own.min)} min, ${kb(own.gzip)} min+gzip`);
console.log(
  `   a whole client (with rxjs, loro-crdt's JS, fp-ts/io-ts; no wasm): ${kb(whole.min)} min, ${kb(whole.gzip)} min+gzip`,
);

const dir = await mkdtemp(join(tmpdir(), "loro-rx-figures-"));
const profile = await mkdtemp(join(tmpdir(), "loro-rx-figures-profile-"));
await build({
  entryPoints: { page: join(root, "scripts/browser-figures.page.ts") },
  bundle: true,
  format: "esm",
  platform: "browser",
  outdir: dir,
  logLevel: "warning",
});
await copyFile(
  join(root, "node_modules/loro-crdt/browser/loro_wasm_bg.wasm"),
  join(dir, "loro_wasm_bg.wasm"),
);
await writeFile(
  join(dir, "index.html"),
  '<!doctype html><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>',
);
const server = createServer(async (req, res) => {
  const { readFile } = await import("node:fs/promises");
  const name = (req.url ?? "/").split("?")[0] === "/" ? "index.html" : req.url.slice(1);
  try {
    const body = await readFile(join(dir, name));
    const type = name.endsWith(".wasm")
      ? "application/wasm"
      : name.endsWith(".js")
        ? "text/javascript"
        : "text/html";
    res.writeHead(200, { "Content-Type": type }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  userDataDir: profile,
});
const hubDir = await mkdtemp(join(tmpdir(), "loro-rx-figures-hub-"));
let hub;
try {
  const page = await browser.newPage();
  await page.goto(base);
  await page.waitForFunction("typeof figures === 'object'");
  const stored = await page.evaluate((n) => figures.seed("f", n), EDITS);
  const before = await page.evaluate(() => figures.load("f", false));
  const compacting = await page.evaluate(() => figures.load("f", true));
  const chunks = await page.evaluate(() => figures.chunks("f"));
  const after = await page.evaluate(() => figures.load("f", true));
  console.log(
    `2. IndexedDB load of a doc with ${EDITS} edits (${stored} chunks, ${before.items} items):`,
  );
  console.log(
    `   before compaction ${before.ms.toFixed(0)} ms; the load that compacts ${compacting.ms.toFixed(0)} ms;`,
  );
  console.log(
    `   after compaction (${chunks} chunk${chunks === 1 ? "" : "s"}) ${after.ms.toFixed(0)} ms, ${after.items} items`,
  );

  hub = await startHub({
    port: 0,
    host: "127.0.0.1",
    dataDir: hubDir,
    log: () => undefined,
    statusIntervalMs: 0,
  });
  const [a, b] = await Promise.all(
    [0, 1].map(async () => {
      const context = await browser.createBrowserContext();
      const p = await context.newPage();
      await p.goto(base);
      await p.waitForFunction("typeof figures === 'object'");
      await p.evaluate((url) => figures.connect(url), hub.url);
      return p;
    }),
  );
  for (let i = 0; i < LATENCY_EDITS; i++) {
    await a.evaluate((n) => figures.edit(n), i);
    await new Promise((r) => setTimeout(r, 20));
  }
  await b.waitForFunction((n) => figures.arrivals.size >= n, { timeout: 60_000 }, LATENCY_EDITS);
  const ms = (await b.evaluate(() => figures.latencies())).sort((x, y) => x - y);
  const pct = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  console.log(
    `3. page-to-page latency through the hub (${ms.length} edits, 20 ms apart): p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${ms.at(-1)} ms`,
  );
} finally {
  await hub?.stop();
  await browser.close();
  server.close();
  for (const d of [dir, profile, hubDir]) await rm(d, { recursive: true, force: true });
}
