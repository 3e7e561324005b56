/**
 * `unsyncedChanges`: a local edit counts until the hub's durable version covers it, and stays
 * counted while the hub is down. Against a real hub on 127.0.0.1 with LevelDB on disk.
 */
import { createRepo, type UnsyncedChanges, unsyncedChanges } from "../../../streams/index.js";
import { type Hub, startHub, webSocketClient } from "../../../streams/node.js";
import { eventually, tempDir } from "../hub/hub-process.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

const quiet = { log: () => undefined, statusIntervalMs: 0 };

describe("unsyncedChanges", () => {
  it("counts a commit until the hub acknowledges it, and keeps counting while the hub is down", async () => {
    let hub: Hub = await startHub({ port: 0, host: "127.0.0.1", dataDir: dir, ...quiet });
    const port = hub.port;
    const repo = createRepo({
      transports: [
        webSocketClient({
          url: hub.url,
          reconnect: { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200 },
        }),
      ],
    });
    const tracker = unsyncedChanges(repo, { hubUrl: hub.httpUrl, intervalMs: 20 });
    const docSeen: UnsyncedChanges[] = [];
    const allSeen: UnsyncedChanges[] = [];
    const subs = [
      tracker.doc$("todo").subscribe((u) => docSeen.push(u)),
      tracker.all$.subscribe((u) => allSeen.push(u)),
    ];
    const doc = repo.doc("todo");
    await repo.whenSynced("todo");
    expect(tracker.current().changes).toBe(0);

    doc.getText("t").insert(0, "abc");
    doc.commit();
    await eventually("the commit counted", () => tracker.current().changes === 3);
    expect(tracker.current().bytes).toBeGreaterThan(0);
    expect(tracker.current().docs).toBe(1);
    await eventually("the hub acknowledged it", () => tracker.current().changes === 0);
    expect(docSeen.some((u) => u.changes === 3)).toBe(true);
    expect(docSeen.at(-1)).toEqual({ changes: 0, bytes: 0, docs: 0 });

    // Hub down: an edit stays unsynced, polls and all.
    await hub.stop();
    doc.getText("t").insert(3, "de");
    doc.commit();
    await eventually("the offline edit counted", () => tracker.current().changes === 2);
    const polledWhileDown = allSeen.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(tracker.current().changes).toBe(2);
    expect(allSeen.length).toBe(polledWhileDown);

    // Back on the same port: the client reconnects, syncs, and the hub acknowledges.
    hub = await startHub({ port, host: "127.0.0.1", dataDir: dir, ...quiet });
    await eventually("synced after the restart", () => tracker.current().changes === 0, 20_000);
    expect(hub.repo.doc("todo").getText("t").toString()).toBe("abcde");

    for (const s of subs) s.unsubscribe();
    tracker.close();
    await repo.close();
    await hub.stop();
  }, 40_000);
});
