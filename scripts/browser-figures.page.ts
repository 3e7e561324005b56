/** The page side of scripts/browser-figures.mjs (bundled with esbuild, run in Chromium). */
import { LoroDoc } from "loro-crdt";
import {
  createRepo,
  indexedDbStorage,
  indexedDbStorageTransport,
  type Repo,
  webSocketClient,
} from "../streams/index.js";

const figures = {
  /** Stores a doc that saw `edits` local edits, one chunk per edit (no compaction). */
  async seed(name: string, edits: number): Promise<number> {
    const backend = await indexedDbStorage({ name });
    const doc = new LoroDoc();
    const chunks: Uint8Array[] = [];
    doc.subscribeLocalUpdates((bytes) => chunks.push(bytes));
    const list = doc.getList("items");
    for (let i = 0; i < edits; i++) {
      list.push(`item ${i}`);
      doc.commit();
    }
    await backend.batch!(
      chunks.map((data, i) => ({
        type: "put" as const,
        key: ["doc", "update", `000-${String(i).padStart(8, "0")}`],
        data,
      })),
    );
    const stored = (await backend.keys!(["doc"])).length;
    await backend.close();
    return stored;
  },
  /** Opens a repo on the database and times until the doc is loaded from storage. */
  async load(name: string, compaction: boolean): Promise<{ ms: number; items: number }> {
    const t0 = performance.now();
    const repo = createRepo({
      transports: [
        indexedDbStorageTransport({ name, ...(compaction ? {} : { compaction: false }) }),
      ],
    });
    const doc = repo.doc("doc");
    await repo.whenSynced("doc", { kind: "storage" });
    const ms = performance.now() - t0;
    const items = doc.getList("items").length;
    await repo.close();
    return { ms, items };
  },
  async chunks(name: string): Promise<number> {
    const backend = await indexedDbStorage({ name });
    const n = (await backend.keys!(["doc"])).length;
    await backend.close();
    return n;
  },
  repo: undefined as Repo | undefined,
  arrivals: new Map<number, number>(),
  async connect(url: string): Promise<void> {
    const repo = createRepo({ transports: [webSocketClient({ url })] });
    figures.repo = repo;
    const doc = repo.doc("latency");
    doc.subscribe(() => {
      const now = Date.now();
      for (const [k, v] of doc.getMap("m").entries()) {
        const i = Number(k);
        if (!figures.arrivals.has(i)) figures.arrivals.set(i, now - Number(v));
      }
    });
    await repo.whenSynced("latency");
  },
  edit(i: number): void {
    const doc = figures.repo!.doc("latency");
    doc.getMap("m").set(String(i), Date.now());
    doc.commit();
  },
  latencies: (): number[] => [...figures.arrivals.values()],
};
(globalThis as { figures?: typeof figures }).figures = figures;
