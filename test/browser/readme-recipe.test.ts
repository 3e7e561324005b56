/**
 * The README's "In the browser" recipe, as written there: its build.mjs bundles its app.ts
 * (importing "loro-rx" as an installed package), and the page runs in Chromium against a hub —
 * the edit reaches the hub and the page's title turns to "synced".
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Hub, startHub } from "../../streams/node.js";
import { BUILD_TIMEOUT_MS, ensureBuilt, tempDir } from "../streams/hub/hub-process.js";
import { ROOT, serveDir, useBrowser, waitInPage } from "./harness.js";

const browser = useBrowser({});

const blocks = async (): Promise<{ build: string; app: string }> => {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## In the browser"));
  const build = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  const app = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (build === undefined || app === undefined) throw new Error("README blocks not found");
  return { build, app };
};

let project: string;
let hub: Hub;
let hubData: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  await ensureBuilt();
  project = await mkdtemp(join(tmpdir(), "loro-rx-readme-"));
  // An app project with loro-rx installed: node_modules entries pointing at this checkout.
  await mkdir(join(project, "node_modules"));
  await symlink(ROOT, join(project, "node_modules", "loro-rx"));
  for (const dep of ["esbuild", "loro-crdt"]) {
    await symlink(join(ROOT, "node_modules", dep), join(project, "node_modules", dep));
  }
  hubData = await tempDir();
  hub = await startHub({
    port: 0,
    host: "127.0.0.1",
    dataDir: hubData.dir,
    log: () => undefined,
    statusIntervalMs: 0,
  });
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await hub.stop();
  await hubData.cleanup();
  await rm(project, { recursive: true, force: true });
});

describe("README: In the browser", () => {
  it("the esbuild recipe builds the app, and the page syncs with the hub", async () => {
    const { build, app } = await blocks();
    await writeFile(join(project, "build.mjs"), build);
    await writeFile(
      join(project, "app.ts"),
      app
        .replaceAll("ws://127.0.0.1:8787", hub.url)
        .replaceAll("http://127.0.0.1:8787", hub.httpUrl),
    );
    await promisify(execFile)(process.execPath, ["build.mjs"], { cwd: project });
    await writeFile(
      join(project, "public", "index.html"),
      '<!doctype html><link rel="icon" href="data:,"><title>starting</title><script type="module" src="./app.js"></script>',
    );
    const { url, server } = await serveDir(join(project, "public"));
    try {
      const page = await browser().page(`${url}/index.html`);
      await waitInPage(page, "the title to say synced", "document.title === 'synced'");
      expect(hub.repo.doc("todos").getList("items").toArray()).toEqual(["buy milk"]);
      expect(browser().errors).toEqual([]);
    } finally {
      server.close();
    }
  }, 60_000);
});
