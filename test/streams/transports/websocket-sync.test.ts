/**
 * Repos syncing over real WebSockets on 127.0.0.1: a loro-rx hub serving clients of both
 * framings, restarts, large documents, and a client spraying garbage.
 */
import { firstValueFrom } from "rxjs";
import { WebSocket } from "ws";
import { createRepo, type Repo } from "../../../streams/index.js";
import { webSocketClient, webSocketServer } from "../../../streams/node.js";
import { eventually, text } from "../helpers.js";

const hubOn = async (port = 0) => {
  const server = webSocketServer({ host: "127.0.0.1", port });
  const hub = createRepo({ identity: { peerId: "100", name: "hub" }, transports: [server] });
  const address = await firstValueFrom(server.listening$);
  return { hub, port: address.port, url: `ws://127.0.0.1:${address.port}` };
};

const client = (peerId: string, url: string, wireVersion: 1 | 2 = 2): Repo =>
  createRepo({
    identity: { peerId },
    transports: [
      webSocketClient({
        url,
        wireVersion,
        reconnect: { baseDelayMs: 50, jitterMs: 50, maxDelayMs: 200 },
      }),
    ],
  });

const waitMs = 15_000;

describe("sync over real WebSockets", () => {
  it("a version-1 (5.4.2) client and a version-2 (6.x) client sync through one loro-rx hub", async () => {
    const { hub, url } = await hubOn();
    const v1 = client("1", url, 1);
    const v2 = client("2", url, 2);
    const a = v1.doc("notes");
    a.getText("text").insert(0, "from v1");
    a.commit();
    const b = v2.doc("notes");
    await eventually("v2 sees v1's edit", () => text(b) === "from v1", waitMs);
    b.getText("text").insert(0, "v2 says hi, ");
    b.commit();
    await eventually("v1 sees v2's edit", () => text(a) === "v2 says hi, from v1", waitMs);
    for (const repo of [v1, v2, hub]) await repo.close();
  });

  it("a client survives a hub restart and resyncs, sending nothing for documents that did not change", async () => {
    let { hub, port, url } = await hubOn();
    void url;
    const c = client("1", url);
    const docs = ["a", "b", "c"].map((id) => {
      const doc = c.doc(id);
      doc.getText("text").insert(0, id);
      doc.commit();
      return doc;
    });
    await eventually(
      "hub has all",
      () => ["a", "b", "c"].every((id) => hub.has(id) && text(hub.doc(id)) === id),
      waitMs,
    );
    await hub.close();
    // The same port, a fresh hub that has kept the documents (as if loaded from storage).
    ({ hub } = await hubOn(port));
    for (const [i, id] of ["a", "b", "c"].entries())
      hub.import(id, docs[i]!.export({ mode: "snapshot" }));
    // Which docs did the client send data for, as the hub received it?
    const dataFrom = new Set<string>();
    hub.inputs$.subscribe((input) => {
      if (input.type !== "message-received") return;
      const messages =
        input.message.type === "channel/batch" ? input.message.messages : [input.message];
      for (const m of messages) {
        if (
          (m.type === "channel/sync-response" || m.type === "channel/update") &&
          m.transmission.type !== "up-to-date" &&
          m.transmission.type !== "unavailable"
        ) {
          dataFrom.add(m.docId);
        }
      }
    });
    docs[0]!.getText("text").insert(1, "!");
    docs[0]!.commit();
    await eventually("hub got the offline-era edit", () => text(hub.doc("a")) === "a!", waitMs);
    // Only "a" carried data from the client; the others were answered up-to-date at most.
    expect([...dataFrom]).toEqual(["a"]);
    expect(text(hub.doc("b"))).toBe("b");
    for (const repo of [c, hub]) await repo.close();
  });

  it("a 5 MB document crosses the socket fragmented", async () => {
    const { hub, url } = await hubOn();
    const writer = client("1", url);
    const reader = client("2", url);
    const big = writer.doc("big");
    const chunk = "x".repeat(1024);
    const t = big.getText("text");
    for (let i = 0; i < 5 * 1024; i++) t.insert(t.length, chunk);
    big.commit();
    const copy = reader.doc("big");
    await eventually(
      "reader has 5 MB",
      () => copy.getText("text").length === 5 * 1024 * 1024,
      30_000,
    );
    for (const repo of [writer, reader, hub]) await repo.close();
  });

  it("clients joining a large document at once all get it, from one export on the hub", async () => {
    const { hub, url } = await hubOn();
    const writer = client("1", url);
    const big = writer.doc("big");
    const t = big.getText("text");
    for (let i = 0; i < 1024; i++) t.insert(t.length, `${i}:${"y".repeat(1000)}`);
    big.commit();
    const length = t.length;
    const held = () => hub.engine.docs.peek("big");
    await eventually("hub has it", () => held()?.getText("text").length === length, waitMs);
    await writer.close();
    const doc = held();
    if (doc === undefined) throw new Error("hub lost the doc");
    let snapshots = 0;
    const exportOf = doc.export.bind(doc);
    doc.export = ((mode: Parameters<typeof doc.export>[0]) => {
      if (mode.mode === "snapshot") snapshots++;
      return exportOf(mode);
    }) as typeof doc.export;
    const readers = ["2", "3", "4"].map((peerId) => client(peerId, url));
    const copies = readers.map((r) => r.doc("big"));
    await eventually(
      "every reader has the whole document",
      () => copies.every((c) => c.getText("text").toString() === t.toString()),
      waitMs,
    );
    expect(snapshots).toBe(1);
    for (const repo of [...readers, hub]) await repo.close();
  });

  it("one client spraying garbage does not disturb the others", async () => {
    const { hub, url } = await hubOn();
    const a = client("1", url);
    const b = client("2", url);
    const raw = new WebSocket(url);
    await new Promise((resolve) => raw.once("open", resolve));
    for (let i = 0; i < 200; i++) raw.send(Buffer.from([0, 2, 0, 0, 0, 0, 9, i & 255, 7]));
    raw.send("not a frame");
    const doc = a.doc("d");
    doc.getText("text").insert(0, "still fine");
    doc.commit();
    await eventually(
      "b syncs despite the garbage",
      () => text(b.doc("d")) === "still fine",
      waitMs,
    );
    raw.terminate();
    for (const repo of [a, b, hub]) await repo.close();
  });
});
