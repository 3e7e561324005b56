/**
 * Presence interop with a real `@loro-extended/repo` 5.4.2 peer, over the message-level link:
 * each side sees the other's presence, changes flow both ways, and a departure clears it on both.
 */
import { Shape, Repo as TheirRepo } from "@loro-extended/repo";
import type { Repo } from "../../streams/index.js";
import { createRepo } from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { eventually } from "../streams/helpers.js";
import { LoroRxLinkAdapter } from "./loro-extended-link.js";

const DocSchema = Shape.doc({ text: Shape.text() });
const PresenceSchema = Shape.plain.struct({ status: Shape.plain.string() });
type Status = { status: string };

const theirRepo = (peerId: string, adapter: LoroRxLinkAdapter) => {
  const repo = new TheirRepo({
    identity: { peerId: peerId as `${number}`, name: "reference", type: "user" },
    adapters: [adapter],
  });
  // Their heartbeat is a real setInterval (TOOLCHAIN trap 2).
  repo.synchronizer.stopHeartbeat();
  return repo;
};

const stop = (repo: TheirRepo) => {
  repo.synchronizer.stopHeartbeat();
  repo.reset();
};

/** The latest map `peers$` emitted, kept current. */
const latestPeers = (repo: Repo) => {
  let latest: ReadonlyMap<string, Status> = new Map();
  const subscription = repo.presence<Status>("room", "presence").peers$.subscribe((peers) => {
    latest = peers;
  });
  return { get: () => latest, stop: () => subscription.unsubscribe() };
};

describe.each([
  ["loro-extended initiates", true],
  ["loro-rx initiates", false],
])("presence interop with @loro-extended/repo 5.4.2 (%s)", (_, theyInitiate) => {
  it("each side sees the other's presence, and later changes, both ways", async () => {
    const link = new LoroRxLinkAdapter(theyInitiate);
    const ours = createRepo({ identity: { peerId: "10" }, transports: [link.transport] });
    const mine = ours.presence<Status>("room", "presence");
    mine.set({ status: "set by loro-rx before connecting" });
    const peers = latestPeers(ours);
    const theirs = theirRepo("20", link);
    const handle = theirs.get("room", DocSchema, { presence: PresenceSchema });
    handle.presence.setSelf({ status: "set by loro-extended" });

    await eventually("loro-extended sees loro-rx", () => {
      const value = handle.presence.get("10") as Status | undefined;
      return value?.status === "set by loro-rx before connecting";
    });
    await eventually(
      "loro-rx sees loro-extended",
      () => peers.get().get("20")?.status === "set by loro-extended",
    );

    mine.set({ status: "changed on loro-rx" });
    handle.presence.setSelf({ status: "changed on loro-extended" });
    await eventually(
      "the change reached loro-extended",
      () => (handle.presence.get("10") as Status | undefined)?.status === "changed on loro-rx",
    );
    await eventually(
      "the change reached loro-rx",
      () => peers.get().get("20")?.status === "changed on loro-extended",
    );
    expect([...peers.get().keys()]).toEqual(["20"]);

    peers.stop();
    stop(theirs);
    await ours.close();
  });

  it("a departure clears the presence on both sides", async () => {
    const link = new LoroRxLinkAdapter(theyInitiate);
    const ours = createRepo({ identity: { peerId: "11" }, transports: [link.transport] });
    ours.presence<Status>("room", "presence").set({ status: "rx" });
    const peers = latestPeers(ours);
    const theirs = theirRepo("21", link);
    const handle = theirs.get("room", DocSchema, { presence: PresenceSchema });
    handle.presence.setSelf({ status: "ref" });
    await eventually("both see each other", () => {
      return peers.get().has("21") && handle.presence.get("11") !== undefined;
    });

    link.disconnect();
    await eventually("loro-rx dropped loro-extended", () => peers.get().size === 0);
    await eventually(
      "loro-extended dropped loro-rx",
      () => handle.presence.get("11") === undefined,
    );

    peers.stop();
    stop(theirs);
    await ours.close();
  });
});

describe("presence through a loro-rx hub between loro-extended and loro-rx spokes", () => {
  it("the hub relays each spoke's presence to the other, one hop", async () => {
    const link = new LoroRxLinkAdapter(true);
    const net = createInProcessNetwork();
    const hub = createRepo({
      identity: { peerId: "1" },
      transports: [link.transport, net.peer("hub")],
    });
    hub.doc("room");
    const spoke = createRepo({ identity: { peerId: "2" }, transports: [net.peer("spoke")] });
    spoke.presence<Status>("room", "presence").set({ status: "loro-rx spoke" });
    const peers = latestPeers(spoke);
    const theirs = theirRepo("30", link);
    const handle = theirs.get("room", DocSchema, { presence: PresenceSchema });
    handle.presence.setSelf({ status: "reference spoke" });

    await eventually(
      "the loro-rx spoke sees the reference spoke",
      () => peers.get().get("30")?.status === "reference spoke",
    );
    await eventually(
      "the reference spoke sees the loro-rx spoke",
      () => (handle.presence.get("2") as Status | undefined)?.status === "loro-rx spoke",
    );

    peers.stop();
    stop(theirs);
    for (const repo of [hub, spoke]) await repo.close();
    net.close();
  });
});
