import { type ChannelMsg, createRepo } from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { eventually, text } from "./helpers.js";

const updates = (message: unknown): Uint8Array[] => {
  const m = message as ChannelMsg;
  const all = m.type === "channel/batch" ? m.messages : [m];
  return all.flatMap((x) =>
    x.type === "channel/update" && x.transmission.type === "update" ? [x.transmission.data] : [],
  );
};

describe("forwarding without re-exporting", () => {
  it("a live edit travels as the committed bytes, and the hub relays the bytes it received", async () => {
    const net = createInProcessNetwork({ topology: { star: "hub" } });
    const options = { heartbeatMs: 0 };
    const hub = createRepo({
      ...options,
      identity: { peerId: "9" },
      transports: [net.peer("hub")],
    });
    const writer = createRepo({
      ...options,
      identity: { peerId: "1" },
      transports: [net.peer("w")],
    });
    const reader = createRepo({
      ...options,
      identity: { peerId: "2" },
      transports: [net.peer("r")],
    });
    const doc = writer.doc("room");
    doc.getText("text").insert(0, "hello");
    doc.commit();
    const copy = reader.doc("room");
    await eventually("first sync", () => text(copy) === "hello");
    await eventually("quiet", () => net.inFlight() === 0);

    const committed: Uint8Array[] = [];
    doc.subscribeLocalUpdates((bytes) => committed.push(bytes));
    const seen: Record<string, Uint8Array[]> = {};
    net.traffic$.subscribe((e) => {
      seen[`${e.from}→${e.to}`] = [...(seen[`${e.from}→${e.to}`] ?? []), ...updates(e.message)];
    });
    for (const word of [" big", " wide", " world"]) {
      doc.getText("text").insert(doc.getText("text").length, word);
      doc.commit();
    }
    await eventually("reader caught up", () => text(copy) === "hello big wide world");
    expect(seen["w→hub"]).toEqual(committed);
    expect(seen["hub→r"]).toEqual(committed);
    for (const repo of [writer, reader, hub]) await repo.close();
    net.close();
  });
});
