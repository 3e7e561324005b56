/**
 * Real Chromium for tests: one headless browser per test file (puppeteer-core driving the
 * system's binary, never a downloaded one) and a static server on 127.0.0.1 for esbuild bundles of
 * page scripts, with loro-crdt's wasm file copied next to them (see README, "In the browser").
 *
 * ```ts
 * const h = useBrowser({ app: "test/browser/pages/app.page.ts" });
 * const page = await h.page("app");   // opens http://127.0.0.1:<port>/app.html
 * ```
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { build } from "esbuild";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export const ROOT = join(__dirname, "..", "..");
export const LORO_WASM = join(ROOT, "node_modules/loro-crdt/browser/loro_wasm_bg.wasm");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/** Bundles each page script (ESM, browser platform) into `dir` with an HTML page that loads it. */
export const bundlePages = async (dir: string, pages: Record<string, string>): Promise<void> => {
  await build({
    entryPoints: Object.fromEntries(Object.entries(pages).map(([n, p]) => [n, join(ROOT, p)])),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    outdir: dir,
    logLevel: "warning",
  });
  await copyFile(LORO_WASM, join(dir, "loro_wasm_bg.wasm"));
  for (const name of Object.keys(pages)) {
    await writeFile(
      join(dir, `${name}.html`),
      `<!doctype html><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,"><script type="module" src="./${name}.js"></script>\n`,
    );
  }
};

/** A static file server for `dir` on a free 127.0.0.1 port. */
export const serveDir = async (dir: string): Promise<{ url: string; server: Server }> => {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/"));
    try {
      const body = await readFile(join(dir, path.replace(/^(\.\.[/\\])+/, "")));
      res.writeHead(200, {
        "Content-Type": TYPES[extname(path)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

export const launchChromium = async (userDataDir: string): Promise<Browser> => {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      `--user-data-dir=${userDataDir}`,
    ],
    userDataDir,
  });
};

export interface BrowserHarness {
  readonly browser: Browser;
  /** Where the bundles are served, `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** A new tab on `<name>.html` (or any URL), with page errors collected. */
  page(nameOrUrl: string): Promise<Page>;
  /** Uncaught errors and console errors of every page, for failure messages. */
  readonly errors: string[];
}

/**
 * Starts Chromium and the bundle server before the file's tests and stops both after. `pages`:
 * page scripts to bundle (see `bundlePages`), or a function that fills the served directory.
 */
export const useBrowser = (
  pages: Record<string, string> | ((dir: string) => Promise<void>),
): (() => BrowserHarness) => {
  let harness: BrowserHarness | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "loro-rx-pages-"));
    const profile = await mkdtemp(join(tmpdir(), "loro-rx-chromium-"));
    await (typeof pages === "function" ? pages(dir) : bundlePages(dir, pages));
    const { url, server } = await serveDir(dir);
    const browser = await launchChromium(profile);
    const errors: string[] = [];
    harness = {
      browser,
      baseUrl: url,
      errors,
      async page(nameOrUrl) {
        const page = await browser.newPage();
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        await page.goto(nameOrUrl.includes("://") ? nameOrUrl : `${url}/${nameOrUrl}.html`);
        return page;
      },
    };
    cleanup = async () => {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
      await rm(profile, { recursive: true, force: true });
    };
  }, 60_000);
  afterAll(async () => {
    await cleanup?.();
  }, 30_000);
  return () => {
    if (harness === undefined) throw new Error("the browser did not start (see beforeAll)");
    return harness;
  };
};

/** Polls `check` inside the page until it is true (the page's own state, not wall-clock). */
export const waitInPage = async (
  page: Page,
  what: string,
  check: string,
  timeoutMs = 30_000,
): Promise<void> => {
  try {
    await page.waitForFunction(check, { timeout: timeoutMs, polling: 20 });
  } catch (e) {
    throw new Error(`timed out waiting in the page for ${what}: ${String(e)}`);
  }
};

/** The demo as `npm run build` makes it, but from the sources (no dist needed), into `dir`. */
export const bundleDemo = async (dir: string): Promise<void> => {
  await build({
    entryPoints: [join(ROOT, "demo", "app.ts")],
    outfile: join(dir, "app.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    alias: { "loro-rx": join(ROOT, "streams", "index.ts") },
    logLevel: "warning",
  });
  await copyFile(LORO_WASM, join(dir, "loro_wasm_bg.wasm"));
  await copyFile(join(ROOT, "demo", "index.html"), join(dir, "index.html"));
};
