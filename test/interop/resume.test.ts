/**
 * The resume extension (docs/RESUME.md) against the real @loro-extended/repo 5.4.2: a
 * loro-extended peer never gets the extension and reconnects exactly as without it, whichever
 * side initiates.
 */
import { Shape, Repo as TheirRepo } from "@loro-extended/repo";
import type { Command } from "../../src/program/index.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import { createRepo, type Repo } from "../../streams/index.js";
import { eventually, text } from "../streams/helpers.js";
import { LoroRxLinkAdapter } from "./loro-extended-link.js";

const Schema = Shape.doc({ text: Shape.text() });
const DOCS = ["a", "b", "c"];

const theirRepo = (peerId: string, adapter: LoroRxLinkAdapter) => {
  const repo = new TheirRepo({
    identity: { peerId: peerId as `${number}`, name: "reference", type: "user" },
    adapters: [adapter],
  });
  repo.synchronizer.stopHeartbeat();
  return repo;
};

/** Every message our repo hands to the link, in order. */
const outgoing = (ours: Repo): ChannelMsg[] => {
  const out: ChannelMsg[] = [];
  ours.engine.commands$.subscribe((c: Command) => {
    if (c.type === "send" || c.type === "send-establishment") out.push(c.message);
  });
  return out;
};

const requested = (messages: readonly ChannelMsg[]): string[] =>
  messages.flatMap((m) =>
    m.type === "channel/sync-request"
      ? [m.docId]
      : m.type === "channel/batch"
        ? m.messages.flatMap((i) => (i.type === "channel/sync-request" ? [i.docId] : []))
        : [],
  );

/** Cuts the link and opens a new channel on it, as a reconnecting transport would. */
const reconnect = async (link: LoroRxLinkAdapter): Promise<void> => {
  link.disconnect();
  await new Promise((resolve) => setTimeout(resolve, 10));
  await link.onStart();
};

describe("resume against @loro-extended/repo 5.4.2", () => {
  it("loro-extended initiates: it never sees the extension, and every doc is offered again", async () => {
    const link = new LoroRxLinkAdapter(true);
    const ours = createRepo({
      identity: { peerId: "30" },
      transports: [link.transport],
      heartbeatMs: 0,
    });
    for (const id of DOCS) {
      const doc = ours.doc(id);
      doc.getText("text").insert(0, id);
      doc.commit();
    }
    const sent = outgoing(ours);
    const theirs = theirRepo("40", link);
    await eventually("the reference holds every doc", () =>
      DOCS.every((id) => theirs.has(id) && text(theirs.get(id, Schema).loroDoc) === id),
    );
    link.disconnect();
    await eventually("our side saw the link go", () => ours.engine.model().channels.size === 0);
    const b = ours.doc("b");
    b.getText("text").insert(1, " changed");
    b.commit();
    sent.length = 0;
    await link.onStart();
    await eventually(
      "the change arrives",
      () => text(theirs.get("b", Schema).loroDoc) === "b changed",
    );
    const establishment = sent.filter((m) => m.type === "channel/establish-response");
    expect(establishment).toEqual([
      { type: "channel/establish-response", identity: ours.engine.identity },
    ]);
    // Today's §6.4: the responder offers every document.
    expect(requested(sent).slice(0, 3)).toEqual(DOCS);
    theirs.reset();
    await ours.close();
  });

  it("loro-rx initiates: the reference ignores the announced session, and the spec's reconnection runs", async () => {
    const link = new LoroRxLinkAdapter(false);
    const theirs = theirRepo("41", link);
    for (const id of DOCS) {
      const handle = theirs.get(id, Schema);
      handle.loroDoc.getText("text").insert(0, id);
      handle.loroDoc.commit();
    }
    const ours = createRepo({
      identity: { peerId: "31" },
      transports: [link.transport],
      heartbeatMs: 0,
    });
    const received: ChannelMsg[] = [];
    ours.inputs$.subscribe((input) => {
      if (input.type === "message-received") received.push(input.message);
    });
    const sent = outgoing(ours);
    await eventually("we hold every doc", () =>
      DOCS.every((id) => ours.has(id) && text(ours.doc(id)) === id),
    );
    await reconnect(link);
    const handle = theirs.get("c", Schema);
    handle.loroDoc.getText("text").insert(1, " there");
    handle.loroDoc.commit();
    await eventually("the reference's change arrives", () => text(ours.doc("c")) === "c there");
    // The reference answered without the extension, so we never proposed a resume to it.
    const responses = received.filter((m) => m.type === "channel/establish-response");
    expect(responses.length).toBeGreaterThanOrEqual(2);
    for (const r of responses) expect(r).not.toHaveProperty("resume");
    // Our request announced the session (the reference ignored it) and proposed nothing.
    const requests = sent.filter((m) => m.type === "channel/establish-request");
    expect(requests).toHaveLength(1);
    for (const r of requests) {
      expect(r.type === "channel/establish-request" && typeof r.resume?.session).toBe("string");
      expect(r.type === "channel/establish-request" && r.resume?.known).toBeUndefined();
    }
    theirs.reset();
    await ours.close();
  });
});
