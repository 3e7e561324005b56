/**
 * Documents evicted and reloaded (issue 12 item 1): a hub with storage lets go of documents
 * nobody holds, and presence, ready states, whenSynced, deletion and reconnects work across the
 * evict/reload cycle (automerge-repo #742 is the trap: its first eviction broke presence).
 *
 * Real timers with a short `docIdleMs`; every wait has a positive marker (the `doc-evicted`
 * event, or a value arriving), never a sleep followed by a negative check.
 */
import { firstValueFrom } from "rxjs";
import { filter, take, toArray } from "rxjs/operators";
import { createRepo, type Presence, type Repo } from "../../streams/index.js";
import { memoryStorage } from "../../streams/storage/memory-storage.js";
import { storageTransport } from "../../streams/storage/storage-transport.js";
import { createInProcessNetwork, type InProcessNetwork } from "../../streams/testing/index.js";
import { eventually, text } from "./helpers.js";

const IDLE_MS = 40;

const evicted = (repo: Repo, docId: string): Promise<unknown> =>
  firstValueFrom(repo.events$.pipe(filter((e) => e.type === "doc-evicted" && e.docId === docId)));

/** The latest value of `presence.peers$`, kept up to date. */
const watchPeers = <V>(presence: Presence<V>): { current: ReadonlyMap<string, V> } => {
  const view = { current: new Map<string, V>() as ReadonlyMap<string, V> };
  presence.peers$.subscribe((peers) => {
    view.current = peers;
  });
  return view;
};

const write = (repo: Repo, docId: string, at: number, s: string): void => {
  const doc = repo.doc(docId);
  doc.getText("text").insert(at, s);
  doc.commit();
};

interface World {
  readonly net: InProcessNetwork;
  readonly hub: Repo;
  readonly backend: ReturnType<typeof memoryStorage>;
  join(name: string, peerId: string): Repo;
  close(): Promise<void>;
}

/** A hub with memory storage and clients on a star; clients have no storage of their own. */
const world = (): World => {
  const net = createInProcessNetwork({ topology: { star: "hub" } });
  const backend = memoryStorage();
  const hub = createRepo({
    identity: { peerId: "900", name: "hub", type: "service" },
    transports: [net.peer("hub"), storageTransport(backend)],
    heartbeatMs: 0,
    docIdleMs: IDLE_MS,
    // As `loro-rx serve`: a client hears only of what it asked for (else every client would
    // subscribe to every doc, and nothing would ever be idle).
    permissions: { discovery: "requested" },
  });
  const clients: Repo[] = [];
  return {
    net,
    hub,
    backend,
    join(name, peerId) {
      const repo = createRepo({
        identity: { peerId, name },
        transports: [net.peer(name)],
        heartbeatMs: 0,
        docIdleMs: 0,
      });
      clients.push(repo);
      return repo;
    },
    async close() {
      for (const c of clients) if (!c.engine.closed) await c.close();
      await hub.close();
      net.close();
    },
  };
};

describe("a hub evicts documents nobody holds and reloads them", () => {
  it("frees the LoroDoc and its records once the last subscriber leaves; the next client gets it from storage", async () => {
    const w = world();
    const alice = w.join("alice", "1");
    write(alice, "d", 0, "kept");
    await alice.whenSynced("d", { timeout: 5_000 });
    await eventually(
      "hub has it",
      () => text(w.hub.engine.docs.get("d") ?? alice.doc("x")) === "kept",
    );
    const gone = evicted(w.hub, "d");
    await alice.close();
    await gone;
    expect(w.hub.engine.docs.get("d")).toBeUndefined();
    expect(w.hub.has("d")).toBe(false);

    const bob = w.join("bob", "2");
    const b = bob.doc("d");
    await bob.whenSynced("d", { timeout: 5_000 });
    await eventually("bob gets the stored text", () => text(b) === "kept");
    expect(w.hub.has("d")).toBe(true);
    await w.close();
  });

  it("keeps a document while a client is subscribed; evicts the idle one beside it", async () => {
    const w = world();
    const alice = w.join("alice", "1");
    const bob = w.join("bob", "2");
    write(alice, "busy", 0, "a");
    write(bob, "idle", 0, "b");
    await alice.whenSynced("busy", { timeout: 5_000 });
    await bob.whenSynced("idle", { timeout: 5_000 });
    const idleGone = evicted(w.hub, "idle");
    await bob.close();
    await idleGone; // the marker: a sweep ran after "busy" was idle as long
    expect(w.hub.has("busy")).toBe(true);
    // Still live: an edit reaches the hub without any reload.
    write(alice, "busy", 1, "!");
    await eventually("hub follows", () => text(w.hub.engine.docs.get("busy")!) === "a!");
    await w.close();
  });

  it("presence works across an evict/reload cycle", async () => {
    const w = world();
    let alice = w.join("alice", "1");
    let bob = w.join("bob", "2");
    alice.doc("room");
    bob.doc("room");
    alice.presence<{ at: number }>("room", "cursors").set({ at: 1 });
    const seen = watchPeers(bob.presence<{ at: number }>("room", "cursors"));
    await eventually("bob sees alice", () => seen.current.get("1")?.at === 1);
    const gone = evicted(w.hub, "room");
    await alice.close();
    await bob.close();
    await gone;
    expect(w.hub.engine.presence.has("room")).toBe(false);

    alice = w.join("alice-again", "1");
    bob = w.join("bob-again", "2");
    alice.doc("room");
    bob.doc("room");
    await alice.whenSynced("room", { timeout: 5_000 });
    await bob.whenSynced("room", { timeout: 5_000 });
    alice.presence<{ at: number }>("room", "cursors").set({ at: 2 });
    const again = watchPeers(bob.presence<{ at: number }>("room", "cursors"));
    await eventually("bob sees alice after the reload", () => again.current.get("1")?.at === 2);
    const back = watchPeers(alice.presence<{ at: number }>("room", "cursors"));
    bob.presence<{ at: number }>("room", "cursors").set({ at: 3 });
    await eventually("and alice sees bob", () => back.current.get("2")?.at === 3);
    await w.close();
  });

  it("a client that reconnects after the hub evicted the doc gets what changed meanwhile", async () => {
    const w = world();
    const alice = w.join("alice", "1");
    write(alice, "d", 0, "A");
    await alice.whenSynced("d", { timeout: 5_000 });
    await eventually("hub has A", () => text(w.hub.engine.docs.get("d")!) === "A");
    w.net.disconnect("alice", "hub");
    const bob = w.join("bob", "2");
    const b = bob.doc("d");
    await eventually("bob has A", () => text(b) === "A");
    b.getText("text").insert(1, "B");
    b.commit();
    await eventually("hub has AB", () => text(w.hub.engine.docs.get("d")!) === "AB");
    const gone = evicted(w.hub, "d");
    await bob.close();
    await gone;
    w.net.reconnect("alice", "hub");
    await eventually(
      "alice gets bob's edit from the reloaded doc",
      () => text(alice.doc("d")) === "AB",
    );
    await w.close();
  });

  it("2,000 documents touched once each: everything the engine holds for them is released", async () => {
    const w = world();
    const alice = w.join("alice", "1");
    const ids = Array.from({ length: 2_000 }, (_, i) => `doc-${i}`);
    for (const id of ids) write(alice, id, 0, id);
    await Promise.all(ids.map((id) => alice.whenSynced(id, { timeout: 20_000 })));
    await eventually(
      "hub holds all",
      () => w.hub.engine.model().documents.size === ids.length,
      20_000,
    );
    const all = firstValueFrom(
      w.hub.events$.pipe(
        filter((e) => e.type === "doc-evicted"),
        take(ids.length),
        toArray(),
      ),
    );
    await alice.close();
    await all;
    const model = w.hub.engine.model();
    expect(model.documents.size).toBe(0);
    expect(model.subscribers.size).toBe(0);
    expect([...w.hub.engine.docs.ids()]).toEqual([]);
    // Peer records stay (a returning peer keeps its first identity, §3.3): alice and storage.
    expect(model.peers.size).toBe(2);
    await w.close();
  });
});

describe("a client with storage evicts what it released", () => {
  it("reloads a released doc; writing before storage answers loses nothing", async () => {
    const backend = memoryStorage();
    const repo = createRepo({
      identity: { peerId: "7", name: "tab" },
      transports: [storageTransport(backend)],
      heartbeatMs: 0,
      docIdleMs: IDLE_MS,
    });
    write(repo, "d", 0, "a");
    await repo.whenSynced("d", { kind: "storage", timeout: 5_000 });
    const first = evicted(repo, "d");
    repo.release("d");
    await first;
    expect(repo.engine.docs.get("d")).toBeUndefined();

    // Written at once, before storage has answered: op ids must not collide with the stored ones.
    const doc = repo.doc("d");
    doc.getText("text").insert(0, "b");
    doc.commit();
    await repo.whenSynced("d", { kind: "storage", timeout: 5_000 });
    await eventually("both edits", () => text(doc).length === 2);
    expect(text(doc).split("").sort().join("")).toBe("ab");

    const second = evicted(repo, "d");
    repo.release("d");
    await second;
    const reloaded = repo.doc("d");
    await repo.whenSynced("d", { kind: "storage", timeout: 5_000 });
    await eventually("both edits after a second reload", () => text(reloaded).length === 2);
    await repo.close();
  });

  it("deleting a doc it evicted deletes it in storage (else the next open would reload it)", async () => {
    const backend = memoryStorage();
    const repo = createRepo({
      identity: { peerId: "9", name: "tab" },
      transports: [storageTransport(backend)],
      heartbeatMs: 0,
      docIdleMs: IDLE_MS,
    });
    write(repo, "d", 0, "doomed");
    await repo.whenSynced("d", { kind: "storage", timeout: 5_000 });
    const gone = evicted(repo, "d");
    repo.release("d");
    await gone;
    await repo.flush();
    expect((await backend.loadRange(["d"])).length).toBeGreaterThan(0);
    await repo.delete("d");
    expect(await backend.loadRange(["d"])).toEqual([]);
    const again = repo.doc("d");
    await repo.whenSynced("d", { kind: "storage", timeout: 5_000 });
    expect(text(again)).toBe("");
    await repo.close();
  });

  it("an open handle holds the doc until released; doc() holds until release()", async () => {
    const repo = createRepo({
      identity: { peerId: "8", name: "tab" },
      transports: [storageTransport(memoryStorage())],
      heartbeatMs: 0,
      docIdleMs: IDLE_MS,
    });
    const handle = repo.open("held");
    handle.doc.getText("text").insert(0, "x");
    handle.doc.commit();
    write(repo, "pinned", 0, "y");
    write(repo, "marker", 0, "z");
    await repo.whenSynced("held", { kind: "storage", timeout: 5_000 });
    await repo.whenSynced("pinned", { kind: "storage", timeout: 5_000 });
    await repo.whenSynced("marker", { kind: "storage", timeout: 5_000 });
    const marker = evicted(repo, "marker");
    repo.release("marker");
    await marker;
    expect(repo.has("held")).toBe(true);
    expect(repo.has("pinned")).toBe(true);
    const held = evicted(repo, "held");
    handle.release();
    handle.release(); // idempotent
    await held;
    expect(repo.has("pinned")).toBe(true);
    await repo.close();
  });
});
