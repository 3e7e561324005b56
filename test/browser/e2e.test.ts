/**
 * The demo app in real Chromium pages against a real hub on 127.0.0.1: pages converge through the
 * hub, see each other's presence, keep offline edits across a reload (IndexedDB) and deliver them
 * when the hub is back, and tabs converge over BroadcastChannel with the hub down.
 *
 * Pages that must not share storage or a BroadcastChannel (two "devices") live in separate
 * browser contexts; two tabs of one device share a context.
 */
import type { BrowserContext, Page } from "puppeteer-core";
import { type Hub, startHub } from "../../streams/node.js";
import { tempDir } from "../streams/hub/hub-process.js";
import { bundleDemo, useBrowser, waitInPage } from "./harness.js";

const browser = useBrowser(bundleDemo);
const quiet = { log: () => undefined, statusIntervalMs: 0, host: "127.0.0.1" };

let dir: string;
let cleanup: () => Promise<void>;
let hub: Hub | undefined;
const contexts: BrowserContext[] = [];
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  await hub?.stop();
  hub = undefined;
  await cleanup();
});

const device = async (): Promise<BrowserContext> => {
  const context = await browser().browser.createBrowserContext();
  contexts.push(context);
  return context;
};

const open = async (context: BrowserContext, params: Record<string, string>): Promise<Page> => {
  const page = await context.newPage();
  page.on("pageerror", (e) => browser().errors.push(String(e)));
  await page.goto(`${browser().baseUrl}/index.html?${new URLSearchParams(params)}`);
  await waitInPage(page, "the app to start", "document.querySelector('#who span') !== null");
  return page;
};

/** Entries in the demo's IndexedDB database, read by the page itself. */
const storedChunks = (page: Page): Promise<number> =>
  page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const r = indexedDB.open("loro-rx-demo");
        r.onerror = () => reject(r.error);
        r.onsuccess = () => {
          const count = r.result.transaction("entries").objectStore("entries").count();
          count.onsuccess = () => {
            resolve(count.result);
            r.result.close();
          };
        };
      }),
  );

const eventually = async (what: string, check: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
};

const add = async (page: Page, text: string): Promise<void> => {
  await page.type("#new", text);
  await page.keyboard.press("Enter");
};

const items = (page: Page): Promise<string[]> =>
  page.$$eval("#todos li", (lis) =>
    lis.map(
      (li) =>
        `${li.classList.contains("done") ? "[x]" : "[ ]"} ${li.querySelector(".text")?.textContent}`,
    ),
  );

const waitItems = (page: Page, expected: string[]): Promise<void> =>
  waitInPage(
    page,
    `items ${JSON.stringify(expected)}`,
    `JSON.stringify([...document.querySelectorAll('#todos li')].map((li) => (li.classList.contains('done') ? '[x] ' : '[ ] ') + li.querySelector('.text').textContent)) === ${JSON.stringify(JSON.stringify(expected))}`,
  );

const waitText = (page: Page, selector: string, text: string): Promise<void> =>
  waitInPage(
    page,
    `${selector} to read "${text}"`,
    `document.querySelector(${JSON.stringify(selector)})?.textContent === ${JSON.stringify(text)}`,
  );

const buttonOf = async (page: Page, text: string, title: string): Promise<void> => {
  const handle = await page.evaluateHandle(
    (t, b) =>
      Array.from(document.querySelectorAll("#todos li"))
        .find((li) => li.querySelector(".text")?.textContent === t)
        ?.querySelector(b === "tick" ? "input" : `button[title="${b}"]`),
    text,
    title,
  );
  await (handle.asElement() as import("puppeteer-core").ElementHandle<Element>).click();
};

describe("the demo in Chromium", () => {
  it("two devices converge through the hub: add, tick, reorder, delete, presence, indicators", async () => {
    hub = await startHub({ port: 0, dataDir: dir, ...quiet });
    const params = { hub: hub.url, tabs: "off" };
    const alice = await open(await device(), { ...params, name: "alice" });
    const bob = await open(await device(), { ...params, name: "bob" });
    await waitText(alice, "#connection", "online");
    await waitText(bob, "#connection", "online");

    await add(alice, "milk");
    await add(alice, "bread");
    await waitItems(bob, ["[ ] milk", "[ ] bread"]);
    await buttonOf(bob, "milk", "tick");
    await buttonOf(bob, "bread", "move up");
    await waitItems(alice, ["[ ] bread", "[x] milk"]);
    await buttonOf(alice, "bread", "delete");
    await waitItems(bob, ["[x] milk"]);

    // Who is here, on both sides.
    await waitInPage(
      alice,
      "bob in alice's list",
      "document.querySelector('#who').textContent.includes('bob')",
    );
    await waitInPage(
      bob,
      "alice in bob's list",
      "document.querySelector('#who').textContent.includes('alice')",
    );
    // Everything acknowledged by the hub.
    await waitText(alice, "#pending", "synced");
    await waitText(bob, "#pending", "synced");
    expect(browser().errors).toEqual([]);
  }, 60_000);

  it("offline edits survive a reload through IndexedDB and reach the other device when the hub is back", async () => {
    hub = await startHub({ port: 0, dataDir: dir, ...quiet });
    const port = hub.port;
    const params = { hub: hub.url, tabs: "off" };
    const alice = await open(await device(), { ...params, name: "alice" });
    const bob = await open(await device(), { ...params, name: "bob" });
    await add(alice, "before");
    await waitItems(bob, ["[ ] before"]);

    await hub.stop();
    hub = undefined;
    await waitInPage(
      alice,
      "alice offline",
      "document.querySelector('#connection').dataset.state !== 'ready'",
    );
    const stored = await storedChunks(alice);
    await add(alice, "offline edit");
    await waitInPage(
      alice,
      "the edit pending",
      "document.querySelector('#pending').dataset.pending === 'true'",
    );
    await eventually("the edit in IndexedDB", async () => (await storedChunks(alice)) > stored);
    // Unsynced changes: the page asks before it goes (the demo's beforeunload), we say leave.
    const dialogs: string[] = [];
    alice.on("dialog", (dialog) => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await alice.reload();
    expect(dialogs).toEqual(["beforeunload"]);
    await waitItems(alice, ["[ ] before", "[ ] offline edit"]);
    await waitInPage(
      alice,
      "still pending after the reload",
      "document.querySelector('#pending').dataset.pending === 'true'",
    );
    expect(await items(bob)).toEqual(["[ ] before"]);

    hub = await startHub({ port, dataDir: dir, ...quiet });
    // The browser's online event: retry now instead of after the backoff delay.
    for (const page of [alice, bob]) await page.evaluate(() => dispatchEvent(new Event("online")));
    await waitItems(bob, ["[ ] before", "[ ] offline edit"]);
    await waitText(alice, "#pending", "synced");
    expect(browser().errors).toEqual([]);
  }, 90_000);

  it("two tabs of one device converge over BroadcastChannel with the hub down", async () => {
    const context = await device();
    // Nothing listens there: the hub is down for the whole test.
    const params = { hub: "ws://127.0.0.1:9" };
    const one = await open(context, { ...params, name: "tab one" });
    const two = await open(context, { ...params, name: "tab two" });
    await add(one, "from tab one");
    await waitItems(two, ["[ ] from tab one"]);
    await add(two, "from tab two");
    await buttonOf(two, "from tab one", "tick");
    await waitItems(one, ["[x] from tab one", "[ ] from tab two"]);
    await waitInPage(
      one,
      "tab two's presence",
      "document.querySelector('#who').textContent.includes('tab two')",
    );
    expect(await one.$eval("#connection", (e) => (e as HTMLElement).dataset.state)).not.toBe(
      "ready",
    );
    expect(browser().errors).toEqual([]);
  }, 60_000);

  it("a page without IndexedDB says so and keeps syncing over the network", async () => {
    hub = await startHub({ port: 0, dataDir: dir, ...quiet });
    const params = { hub: hub.url, tabs: "off" };
    const context = await device();
    const broken = await context.newPage();
    await broken.evaluateOnNewDocument(() => {
      Object.defineProperty(globalThis, "indexedDB", { value: undefined });
    });
    await broken.goto(
      `${browser().baseUrl}/index.html?${new URLSearchParams({ ...params, name: "broken" })}`,
    );
    const other = await open(await device(), { ...params, name: "other" });
    await waitInPage(
      broken,
      "the storage warning",
      "document.querySelector('#storage').hidden === false",
    );
    expect(await broken.$eval("#storage", (e) => (e as HTMLElement).title)).toMatch(
      /IndexedDB database "loro-rx-demo" \(unavailable\)/,
    );
    await add(broken, "still syncs");
    await waitItems(other, ["[ ] still syncs"]);
  }, 60_000);
});
