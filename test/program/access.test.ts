/**
 * Read access in the pure program (`Permissions.enforceVisibility`, `discovery: "requested"`,
 * the `permissions-changed` input), with a mutable rule standing in for a token's claims.
 */
import type { Command, Input, Model, Permissions } from "../../src/program/index.js";
import { getDoc, getPeer, pmapGet } from "../../src/program/index.js";
import {
  alice,
  bob,
  disk,
  fold,
  given,
  localChange,
  node,
  permissions,
  received,
  snapshot,
  syncRequest,
  syncResponse,
  withDoc,
} from "./helpers.js";

/** Which docs each principal may read, changed by the tests. */
const readable = new Map<string, Set<string>>();
const perms: Permissions = permissions({
  // As the hub's access permissions do: the node's own (trusted) links see everything.
  visibility: (doc, peer) =>
    peer.trusted === true || readable.get(peer.principal ?? "")?.has(doc.id) === true,
  enforceVisibility: true,
  discovery: "requested",
});

const connect = (channelId: number, principal: string): Input => ({
  type: "channel-added",
  channelId,
  kind: "network",
  adapterType: "test",
  principal,
});

const sends = (commands: readonly Command[], channelId: number) =>
  commands.flatMap((c) =>
    (c.type === "send" || c.type === "send-doc-update") && c.channelId === channelId ? [c] : [],
  );

const sentDocIds = (commands: readonly Command[], channelId: number): string[] =>
  sends(commands, channelId).map((c) => JSON.stringify(c));

const hub = (): Model => {
  readable.set("alice", new Set(["open", "secret"]));
  readable.set("bob", new Set(["open"]));
  let model = withDoc(withDoc(node(), "open", { "100": 1 }), "secret", { "100": 1 });
  model = given(
    model,
    [
      connect(1, "alice"),
      received(1, { type: "channel/establish-request", identity: alice }),
      connect(2, "bob"),
      received(2, { type: "channel/establish-request", identity: bob }),
    ],
    perms,
  );
  return model;
};

describe("enforceVisibility", () => {
  it("answers a request for an invisible doc with unavailable, and subscribes nobody", () => {
    const [model, commands] = fold(hub(), [received(2, syncRequest("secret", {}, true))], perms);
    expect(sends(commands, 2)).toEqual([
      {
        type: "send",
        channelId: 2,
        message: {
          type: "channel/sync-response",
          docId: "secret",
          transmission: { type: "unavailable" },
        },
      },
    ]);
    expect(pmapGet(model.subscribers, "secret")).toBeUndefined();
    expect(commands).toContainEqual({
      type: "emit",
      event: expect.objectContaining({ type: "message-dropped", reason: "visibility-denied" }),
    });
  });

  it("offers nothing unasked at the handshake (discovery: requested)", () => {
    readable.set("carol", new Set(["open", "secret"]));
    const [, commands] = fold(
      hub(),
      [
        connect(3, "carol"),
        received(3, {
          type: "channel/establish-request",
          identity: { peerId: "3", type: "user" },
        }),
      ],
      perms,
    );
    // The handshake did happen: its "I offer nothing" marker went out.
    expect(sends(commands, 3)).toContainEqual({
      type: "send",
      channelId: 3,
      message: { type: "channel/batch", messages: [] },
    });
    expect(sentDocIds(commands, 3).some((s) => s.includes("open") || s.includes("secret"))).toBe(
      false,
    );
  });

  it("a trusted network channel (the cluster bus) is offered every doc and judged by nothing", () => {
    // No principal and no read rule: an outside peer like this would be offered nothing.
    const [model, commands] = fold(
      hub(),
      [
        { type: "channel-added", channelId: 4, kind: "network", adapterType: "bus", trusted: true },
        received(4, {
          type: "channel/establish-request",
          identity: { peerId: "4", type: "service" },
        }),
        received(4, syncRequest("secret", {}, true)),
      ],
      perms,
    );
    const sent = sentDocIds(commands, 4);
    expect(sent.some((s) => s.includes('"open"'))).toBe(true);
    expect(sent.some((s) => s.includes('"secret"') && s.includes("unavailable"))).toBe(false);
    expect(pmapGet(model.subscribers, "secret")).toContain("4");
    // The same link without `trusted` gets nothing unasked and `unavailable` for "secret".
    const [, outside] = fold(
      hub(),
      [
        connect(4, "nobody"),
        received(4, {
          type: "channel/establish-request",
          identity: { peerId: "4", type: "service" },
        }),
        received(4, syncRequest("secret", {}, true)),
      ],
      perms,
    );
    expect(sentDocIds(outside, 4).some((s) => s.includes('"open"'))).toBe(false);
    expect(sentDocIds(outside, 4).some((s) => s.includes("unavailable"))).toBe(true);
  });

  it("permissions-changed drops a lost subscription at once, and announces a regained doc", () => {
    let model = given(hub(), [received(1, syncRequest("secret", {}, false))], perms);
    expect(pmapGet(model.subscribers, "secret")).toEqual(["1"]);
    readable.set("alice", new Set(["open"]));
    let commands: Command[];
    [model, commands] = fold(
      model,
      [{ type: "permissions-changed", principals: ["alice"] }],
      perms,
    );
    expect(commands).toContainEqual({
      type: "emit",
      event: { type: "access-changed", channelId: 1, docId: "secret", access: "revoked" },
    });
    expect(pmapGet(model.subscribers, "secret")).toBeUndefined();
    // The next change of the doc goes to nobody on channel 1.
    [model, commands] = fold(model, [localChange("secret", { "100": 2 })], perms);
    expect(sends(commands, 1)).toEqual([]);

    readable.set("alice", new Set(["open", "secret"]));
    [model, commands] = fold(model, [{ type: "permissions-changed" }], perms);
    expect(sends(commands, 1)).toEqual([
      { type: "send", channelId: 1, message: { type: "channel/new-doc", docIds: ["secret"] } },
    ]);
    expect(getPeer(model, "1")).toBeDefined();
  });

  it("a request waiting for storage is not answered once access is revoked", () => {
    const base = hub();
    readable.set("alice", new Set(["open", "secret", "on-disk"]));
    let model = given(
      base,
      [
        { type: "channel-added", channelId: 9, kind: "storage", adapterType: "disk" },
        { type: "establish-channel", channelId: 9 },
        received(9, { type: "channel/establish-response", identity: disk }),
        received(1, syncRequest("on-disk", {}, false)),
      ],
      perms,
    );
    expect(getDoc(model, "on-disk")?.pendingNetworkRequests).toHaveLength(1);
    readable.set("alice", new Set(["open"]));
    let commands: Command[];
    [model, commands] = fold(
      model,
      [{ type: "permissions-changed", principals: ["alice"] }],
      perms,
    );
    expect(commands).toContainEqual(
      expect.objectContaining({ event: expect.objectContaining({ access: "revoked" }) }),
    );
    [model, commands] = fold(
      model,
      [received(9, syncResponse("on-disk", snapshot({ "5": 1 })))],
      perms,
    );
    // Storage answered (the import is the positive marker); alice gets nothing.
    expect(commands).toContainEqual(expect.objectContaining({ type: "import", docId: "on-disk" }));
    expect(sends(commands, 1)).toEqual([]);
    expect(commands.some((c) => c.type === "send-sync-response" && c.channelId === 1)).toBe(false);
  });

  it("refuses a peer id already bound to another principal's live channel", () => {
    const [model, commands] = fold(
      hub(),
      [connect(3, "mallory"), received(3, { type: "channel/establish-request", identity: alice })],
      perms,
    );
    expect(commands).toContainEqual({
      type: "emit",
      event: expect.objectContaining({ reason: "identity-conflict", channelId: 3 }),
    });
    expect(getPeer(model, "1")?.channels).toEqual([1]);
  });
});
