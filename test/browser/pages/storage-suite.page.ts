/** Runs the storage acceptance suite against `indexedDbStorage` inside the page. */
import { indexedDbStorage } from "../../../streams/browser/indexeddb-storage.js";
import { storageAcceptanceCases } from "../../../streams/testing/storage-acceptance.js";

let n = 0;
const deleteDatabase = (name: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });

const cases = storageAcceptanceCases("indexeddb", async () => {
  const name = `acceptance-${n++}`;
  return {
    backend: await indexedDbStorage({ name }),
    reopen: () => indexedDbStorage({ name }),
    cleanup: () => deleteDatabase(name),
  };
});

interface Outcome {
  readonly name: string;
  readonly error?: string;
}

(globalThis as { runSuite?: () => Promise<Outcome[]> }).runSuite = async () => {
  const outcomes: Outcome[] = [];
  for (const c of cases) {
    try {
      await c.run();
      outcomes.push({ name: c.name });
    } catch (e) {
      outcomes.push({
        name: c.name,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      });
    }
  }
  return outcomes;
};

/** Tabs share a database: what one page needs for the multi-tab checks. */
const api = {
  open: (name: string) => indexedDbStorage({ name }),
  /** `count` saves under `[doc, "update", <tag>-<i>]`, all in flight at once. */
  async writeMany(name: string, tag: string, count: number): Promise<number> {
    const b = await indexedDbStorage({ name });
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        b.save(["doc", "update", `${tag}-${i}`], Uint8Array.of(i % 256)),
      ),
    );
    const total = (await b.loadRange(["doc"])).length;
    await b.close();
    return total;
  },
  async count(name: string): Promise<number> {
    const b = await indexedDbStorage({ name });
    const total = (await b.loadRange([])).length;
    await b.close();
    return total;
  },
  /** While one holder runs "compact:doc", a second asker is turned away; afterwards it runs. */
  async exclusiveTurns(name: string): Promise<[boolean, boolean, boolean]> {
    const a = await indexedDbStorage({ name });
    const b = await indexedDbStorage({ name });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const first = a.exclusive!("compact:doc", async () => {
      started();
      await held;
    });
    await running;
    const second = await b.exclusive!("compact:doc", async () => undefined);
    release();
    const firstRan = await first;
    const third = await b.exclusive!("compact:doc", async () => undefined);
    await a.close();
    await b.close();
    return [firstRan, second, third];
  },
  /** A database at a newer version than ours cannot be opened: the typed error. */
  async newerVersion(name: string): Promise<{ name: string; reason: string; code: string }> {
    await new Promise<void>((resolve, reject) => {
      const r = indexedDB.open(name, 7);
      r.onsuccess = () => {
        r.result.close();
        resolve();
      };
      r.onerror = () => reject(r.error);
    });
    try {
      await indexedDbStorage({ name });
      return { name: "opened", reason: "", code: "" };
    } catch (e) {
      const err = e as { name: string; reason: string; code: string };
      return { name: err.name, reason: err.reason, code: err.code };
    }
  },
};
(globalThis as { storage?: typeof api }).storage = api;
