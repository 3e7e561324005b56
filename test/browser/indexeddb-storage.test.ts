/** `indexedDbStorage` in a real Chromium: the storage acceptance suite inside a page, and tabs. */
import type { Page } from "puppeteer-core";
import { useBrowser } from "./harness.js";

const browser = useBrowser({ suite: "test/browser/pages/storage-suite.page.ts" });

const open = async (): Promise<Page> => {
  const page = await browser().page("suite");
  await page.waitForFunction("typeof runSuite === 'function' && typeof storage === 'object'");
  return page;
};

describe("indexedDbStorage in Chromium", () => {
  it("passes the storage acceptance suite", async () => {
    const page = await open();
    const outcomes = (await page.evaluate("runSuite()")) as { name: string; error?: string }[];
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
    expect(outcomes.filter((o) => o.error !== undefined)).toEqual([]);
    expect(browser().errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("two tabs writing to one database at once lose nothing", async () => {
    const [a, b] = [await open(), await open()];
    await Promise.all([
      a.evaluate("storage.writeMany('shared', 'a', 300)"),
      b.evaluate("storage.writeMany('shared', 'b', 300)"),
    ]);
    expect(await a.evaluate("storage.count('shared')")).toBe(600);
    await a.close();
    await b.close();
  });

  it("work that must run once (compaction) is exclusive across holders, via Web Locks", async () => {
    const page = await open();
    expect(await page.evaluate("storage.exclusiveTurns('locks')")).toEqual([true, false, true]);
    await page.close();
  });

  it("a database that cannot be opened rejects with a typed IndexedDbOpenError", async () => {
    const page = await open();
    expect(await page.evaluate("storage.newerVersion('future')")).toEqual({
      name: "IndexedDbOpenError",
      reason: "failed",
      code: "INDEXEDDB_OPEN_FAILED",
    });
    await page.close();
  });
});
