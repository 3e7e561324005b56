/**
 * `broadcastChannelTransport` with Node's own BroadcastChannel (the same API as a page's): repos
 * on one channel name sync documents and presence with no hub, tabs that leave are dropped, and
 * a tab that dies silently is dropped after the timeout. Chromium runs the same in
 * test/browser/e2e.test.ts.
 */
import { filter, firstValueFrom } from "rxjs";
import { broadcastChannelTransport, createRepo, type Repo } from "../../../streams/index.js";
import { eventually, text } from "../helpers.js";

let n = 0;
const channel = () => `test-${process.pid}-${n++}`;
const repos: Repo[] = [];
const tab = (name: string, extra = {}): Repo => {
  const repo = createRepo({ transports: [broadcastChannelTransport({ name, ...extra })] });
  repos.push(repo);
  return repo;
};
afterEach(async () => {
  for (const r of repos.splice(0)) await r.close();
});

const networkPeers = (repo: Repo, docId: string): number =>
  repo.engine.readyStates(docId).filter((s) => s.channels.some((c) => c.kind === "network")).length;

describe("broadcastChannelTransport", () => {
  it("three tabs converge on a document, edits from all sides", async () => {
    const name = channel();
    const [a, b, c] = [tab(name), tab(name), tab(name)];
    for (const [i, r] of [a, b, c].entries()) {
      const doc = r.doc("todo");
      doc.getList("items").push(`from ${i}`);
      doc.commit();
    }
    const all = (r: Repo) =>
      JSON.stringify([...(r.doc("todo").getList("items").toArray() as string[])].sort());
    await eventually("all three hold three items", () =>
      [a, b, c].every((r) => r.doc("todo").getList("items").length === 3),
    );
    expect(all(a)).toBe(all(b));
    expect(all(b)).toBe(all(c));
  });

  it("presence crosses tabs", async () => {
    const name = channel();
    const [a, b] = [tab(name), tab(name)];
    a.presence<{ name: string }>("todo", "who").set({ name: "alice" });
    const seen = await firstValueFrom(
      b
        .presence<{ name: string }>("todo", "who")
        .peers$.pipe(filter((peers) => [...peers.values()].some((v) => v.name === "alice"))),
    );
    expect([...seen.values()]).toContainEqual({ name: "alice" });
  });

  it("a tab on another channel name sees nothing; a closed tab is dropped at once", async () => {
    const name = channel();
    const [a, b] = [tab(name), tab(name)];
    const other = tab(channel());
    const doc = a.doc("d");
    doc.getText("text").insert(0, "hi");
    doc.commit();
    await eventually("b has it", () => text(b.doc("d")) === "hi");
    expect(text(other.doc("d"))).toBe("");
    expect(networkPeers(a, "d")).toBe(1);
    await b.close();
    await eventually("a dropped b", () => networkPeers(a, "d") === 0);
  });

  it("a tab that vanishes without a goodbye is dropped after the timeout", async () => {
    const name = channel();
    const transport = broadcastChannelTransport({ name, heartbeatMs: 20, timeoutMs: 100 });
    const links: { initiator: boolean; ended: boolean }[] = [];
    const sub = transport.subscribe((c) => {
      const link = { initiator: c.initiator, ended: false };
      links.push(link);
      c.incoming$.subscribe({ complete: () => (link.ended = true) });
    });
    // A raw peer that says hello, then goes silent forever.
    const raw = new BroadcastChannel(`loro-rx:${name}`);
    raw.postMessage({ t: "hello", from: "0000-silent" });
    await eventually("a link to the silent tab", () => links.length === 1);
    // The greater id initiates: ours is random hex, always above "0000-silent".
    expect(links[0]?.initiator).toBe(true);
    expect(links[0]?.ended).toBe(false);
    await eventually("the silent tab dropped", () => links[0]?.ended === true);
    sub.unsubscribe();
    raw.close();
  });
});
