import { Shape, Repo as TheirRepo } from "@loro-extended/repo";
import { createRepo } from "../../streams/index.js";
import { eventually, text } from "../streams/helpers.js";
import { LoroRxLinkAdapter } from "./loro-extended-link.js";

const Schema = Shape.doc({ text: Shape.text() });

const theirRepo = (peerId: string, adapter: LoroRxLinkAdapter, permissions?: object) => {
  const repo = new TheirRepo({
    identity: { peerId: peerId as `${number}`, name: "reference", type: "user" },
    adapters: [adapter],
    ...(permissions ? { permissions } : {}),
  });
  repo.synchronizer.stopHeartbeat();
  return repo;
};

const stop = (repo: TheirRepo) => {
  repo.synchronizer.stopHeartbeat();
  repo.reset();
};

describe("interop with @loro-extended/repo 5.4.2 at the message level", () => {
  it("a doc created on loro-extended reaches loro-rx, and live edits flow both ways", async () => {
    const link = new LoroRxLinkAdapter(true);
    const ours = createRepo({
      identity: { peerId: "10" },
      transports: [link.transport],
      heartbeatMs: 0,
    });
    const theirs = theirRepo("20", link);
    const handle = theirs.get("shared", Schema);
    handle.loroDoc.getText("text").insert(0, "from reference");
    handle.loroDoc.commit();

    await eventually("loro-rx holds the doc", () => ours.has("shared"));
    const doc = ours.doc("shared");
    await eventually("content arrived", () => text(doc) === "from reference");

    doc.getText("text").insert(0, ">> ");
    doc.commit();
    await eventually(
      "edit reached loro-extended",
      () => text(handle.loroDoc) === ">> from reference",
    );

    handle.loroDoc.getText("text").insert(text(handle.loroDoc).length, " <<");
    handle.loroDoc.commit();
    await eventually("edit reached loro-rx", () => text(doc) === ">> from reference <<");

    stop(theirs);
    await ours.close();
  });

  it("a doc created on loro-rx reaches loro-extended, with loro-rx as the initiator", async () => {
    const link = new LoroRxLinkAdapter(false);
    const theirs = theirRepo("21", link);
    const ours = createRepo({
      identity: { peerId: "11" },
      transports: [link.transport],
      heartbeatMs: 0,
    });
    const doc = ours.doc("made-here");
    doc.getText("text").insert(0, "from loro-rx");
    doc.commit();

    await eventually("loro-extended holds the doc", () => theirs.has("made-here"));
    const handle = theirs.get("made-here", Schema);
    await eventually("content arrived", () => text(handle.loroDoc) === "from loro-rx");
    await ours.whenSynced("made-here", { timeout: 2_000 });

    stop(theirs);
    await ours.close();
  });

  it("a doc the reference may not see stays unseen", async () => {
    const link = new LoroRxLinkAdapter(true);
    const ours = createRepo({
      identity: { peerId: "12" },
      transports: [link.transport],
      heartbeatMs: 0,
      permissions: { visibility: (doc) => doc.id !== "secret" },
    });
    const secret = ours.doc("secret");
    secret.getText("text").insert(0, "hidden");
    secret.commit();
    const open = ours.doc("open");
    open.getText("text").insert(0, "visible");
    open.commit();
    const theirs = theirRepo("22", link);

    await eventually("the open doc arrives", () => theirs.has("open"));
    secret.getText("text").insert(0, "more ");
    secret.commit();
    // A marker edit after the secret one, on the same link: once it arrives, anything sent
    // for the secret doc before it has arrived too.
    open.getText("text").insert(0, "marker ");
    open.commit();
    const theirOpen = theirs.get("open", Schema);
    await eventually("the marker edit arrives", () =>
      text(theirOpen.loroDoc).startsWith("marker "),
    );
    expect(theirs.has("secret")).toBe(false);

    stop(theirs);
    await ours.close();
  });
});
