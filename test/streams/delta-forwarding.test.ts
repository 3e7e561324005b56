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

const setup = async () => {
  const net = createInProcessNetwork({ topology: { star: "hub" } });
  const options = { heartbeatMs: 0 };
  const repos = ["9", "1", "2"].map((peerId, i) =>
    createRepo({
      ...options,
      identity: { peerId },
      transports: [net.peer(["hub", "w", "r"][i] ?? "")],
    }),
  );
  const [, writer, reader] = repos;
  if (writer === undefined || reader === undefined) throw new Error("unreachable");
  const doc = writer.doc("room");
  doc.getText("text").insert(0, "hello");
  doc.commit();
  const copy = reader.doc("room");
  await eventually("first sync", () => text(copy) === "hello");
  await eventually("quiet", () => net.inFlight() === 0);
  const seen: Record<string, Uint8Array[]> = {};
  net.traffic$.subscribe((e) => {
    seen[`${e.from}→${e.to}`] = [...(seen[`${e.from}→${e.to}`] ?? []), ...updates(e.message)];
  });
  const close = async () => {
    for (const repo of repos) await repo.close();
    net.close();
  };
  return { doc, copy, seen, close };
};

describe("forwarding without re-exporting", () => {
  it("a live edit travels as the committed bytes, and the hub relays the bytes it received", async () => {
    const { doc, copy, seen, close } = await setup();
    const committed: Uint8Array[] = [];
    doc.subscribeLocalUpdates((bytes) => committed.push(bytes));
    let expected = "hello";
    for (const word of [" big", " wide", " world"]) {
      doc.getText("text").insert(doc.getText("text").length, word);
      doc.commit();
      expected += word;
      await eventually(`reader has "${expected}"`, () => text(copy) === expected);
    }
    expect(committed).toHaveLength(3);
    expect(seen["w→hub"]).toEqual(committed);
    expect(seen["hub→r"]).toEqual(committed);
    await close();
  });

  it("commits made in one synchronous run travel as one update, relayed as received", async () => {
    const { doc, copy, seen, close } = await setup();
    for (let i = 0; i < 100; i++) {
      doc.getText("text").insert(doc.getText("text").length, ` ${i}`);
      doc.commit();
    }
    const expected = text(doc);
    await eventually("reader caught up", () => text(copy) === expected);
    expect(seen["w→hub"]).toHaveLength(1);
    expect(seen["hub→r"]).toEqual(seen["w→hub"]);
    await close();
  });
});
