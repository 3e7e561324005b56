/**
 * `npm start` as a user runs it: the built CLI serves the demo (dist/demo, built by
 * `npm run build`) next to its routes, and the page works against it. Also takes the README's
 * screenshot: `UPDATE_DEMO_SCREENSHOT=1 npx jest test/browser/demo` writes docs/demo.png.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "puppeteer-core";
import {
  BUILD_TIMEOUT_MS,
  ensureBuilt,
  spawnHub,
  useHubProcesses,
} from "../streams/hub/hub-process.js";
import { ROOT, useBrowser, waitInPage } from "./harness.js";

const browser = useBrowser({});
const dataDir = useHubProcesses();

beforeAll(async () => {
  await ensureBuilt();
  // ensureBuilt compiles with tsc only; the demo comes from the build script's esbuild step.
  if (!existsSync(join(ROOT, "dist", "demo", "index.html"))) {
    await promisify(execFile)(process.execPath, [join(ROOT, "scripts", "build-demo.mjs")]);
  }
}, BUILD_TIMEOUT_MS);

const add = async (page: Page, text: string): Promise<void> => {
  await page.type("#new", text);
  await page.keyboard.press("Enter");
};

describe("the demo served by loro-rx serve", () => {
  it("serves the page, its bundle and the wasm; the hub's own routes still answer", async () => {
    const hub = await spawnHub({ dataDir: dataDir() });
    // Printed right after the "listening" line, on stderr.
    for (let i = 0; i < 100 && !hub.stderr().includes("demo at"); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(hub.stderr()).toContain(`loro-rx: demo at ${hub.httpUrl}/`);
    const page = await fetch(`${hub.httpUrl}/`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain('<script type="module" src="./app.js">');
    const wasm = await fetch(`${hub.httpUrl}/loro_wasm_bg.wasm`);
    expect(wasm.headers.get("content-type")).toBe("application/wasm");
    expect((await wasm.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    expect((await fetch(`${hub.httpUrl}/health`)).status).toBe(200);
    expect((await fetch(`${hub.httpUrl}/../package.json`)).status).toBe(404);
    expect((await fetch(`${hub.httpUrl}/nothing.js`)).status).toBe(404);
    await hub.stop();
  });

  it("two windows on the printed URL edit one list together (and the README screenshot)", async () => {
    const hub = await spawnHub({ dataDir: dataDir() });
    const contexts = [
      await browser().browser.createBrowserContext(),
      await browser().browser.createBrowserContext(),
    ];
    const [one, two] = await Promise.all(contexts.map((c) => c.newPage()));
    for (const [page, name] of [
      [one!, "ada"],
      [two!, "grace"],
    ] as const) {
      page.on("pageerror", (e) => browser().errors.push(String(e)));
      await page.setViewport({ width: 640, height: 420 });
      await page.goto(`${hub.httpUrl}/?name=${name}`);
      await waitInPage(
        page,
        "online",
        "document.querySelector('#connection').dataset.state === 'ready'",
      );
    }
    await add(one!, "Write the release notes");
    await add(two!, "Review the IndexedDB patch");
    await add(one!, "Book the meeting room");
    await waitInPage(two!, "three items", "document.querySelectorAll('#todos li').length === 3");
    await two!.click("#todos li input");
    await waitInPage(one!, "the tick", "document.querySelector('#todos li.done') !== null");
    await waitInPage(
      one!,
      "grace here",
      "document.querySelector('#who').textContent.includes('grace')",
    );
    await waitInPage(one!, "synced", "document.querySelector('#pending').textContent === 'synced'");

    const path =
      process.env.UPDATE_DEMO_SCREENSHOT === "1"
        ? join(ROOT, "docs", "demo.png")
        : join(dataDir(), "demo.png");
    await one!.screenshot({ path });
    const png = await readFile(path);
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(browser().errors).toEqual([]);
    for (const c of contexts) await c.close();
    await hub.stop();
  }, 60_000);
});
