/**
 * Within one flush, only the latest whole-store encoding per (channel, doc, namespace, encoding
 * peer, hops) goes out; relays of other peers and removal signals are kept (outbox, spec §9.1).
 */
import type { BatchableMsg, ChannelId, ChannelMsg } from "../../../src/protocol/messages.js";
import { createOutbox } from "../../../streams/engine/outbox.js";
import type { Repo } from "../../../streams/index.js";
import { between, virtualRoom } from "./helpers.js";

const eph = (
  peerId: string,
  data: number[],
  opts: { ns?: string; hops?: number; doc?: string } = {},
) =>
  ({
    type: "channel/ephemeral",
    docId: opts.doc ?? "d",
    hopsRemaining: opts.hops ?? 1,
    stores: [{ peerId, namespace: opts.ns ?? "p", data: new Uint8Array(data) }],
  }) as const satisfies BatchableMsg;

const flushed = (queue: (q: (c: ChannelId, m: BatchableMsg) => void) => void) => {
  const outbox = createOutbox();
  queue((c, m) => outbox.queue(c, m));
  const out: [ChannelId, ChannelMsg][] = [];
  outbox.flush((c, m) => out.push([c, m]));
  return out;
};

describe("presence coalescing in the outbox", () => {
  it("a later encoding of the same store replaces the earlier one, in the later position", () => {
    const update: BatchableMsg = { type: "channel/directory-request" };
    expect(
      flushed((q) => {
        q(1, eph("me", [1]));
        q(1, update);
        q(1, eph("me", [2]));
      }),
    ).toEqual([[1, { type: "channel/batch", messages: [update, eph("me", [2])] }]]);
  });

  it("a channel's keys are built when its second message comes, and keep counting after", () => {
    const update: BatchableMsg = { type: "channel/directory-request" };
    expect(
      flushed((q) => {
        q(1, update);
        q(1, eph("me", [1]));
        q(1, eph("other", [2]));
        q(1, eph("me", [3]));
        q(1, eph("me", [4]));
      }),
    ).toEqual([
      [1, { type: "channel/batch", messages: [update, eph("other", [2]), eph("me", [4])] }],
    ]);
  });

  it("keeps relays of other peers, other namespaces, docs, hops and channels", () => {
    const all = [
      eph("me", [1]),
      eph("other", [2]),
      eph("me", [3], { ns: "q" }),
      eph("me", [4], { doc: "e" }),
      eph("me", [5], { hops: 0 }),
    ];
    expect(
      flushed((q) => {
        for (const m of all) q(1, m);
      }),
    ).toEqual([[1, { type: "channel/batch", messages: all }]]);
    expect(
      flushed((q) => {
        q(1, eph("me", [1]));
        q(2, eph("me", [1]));
      }),
    ).toHaveLength(2);
  });

  it("never coalesces removal signals (zero-length data)", () => {
    const removal = eph("gone", []);
    expect(
      flushed((q) => {
        q(1, removal);
        q(1, removal);
        q(1, eph("gone", [1]));
      }),
    ).toEqual([[1, { type: "channel/batch", messages: [removal, removal, eph("gone", [1])] }]]);
  });

  it("in the engine: values set while one input is handled leave as one message", async () => {
    let lines: string[] = [];
    await virtualRoom({}, (room) => {
      const a: Repo = room.repo("a", "1", { heartbeatMs: 0 });
      const b: Repo = room.repo("b", "2", { heartbeatMs: 0 });
      const cursors = a.presence("d", "cursors");
      room.runUntil(1_000);
      // A reaction inside a's run loop: every value set while it handles b's message is queued
      // for the same flush.
      let reacted = false;
      const subscription = a.events$.subscribe((e) => {
        if (e.type !== "presence-changed" || e.source !== "remote" || reacted) return;
        reacted = true;
        for (let i = 0; i < 5; i++) cursors.set(i);
      });
      b.presence("d", "cursors").set("hi");
      room.runUntil(2_000);
      subscription.unsubscribe();
      lines = between(room.log, 1_000, 2_000);
    });
    expect(lines).toEqual([
      "1001 b→a eph(d/cursors by 2: 2, h1)",
      "1002 a→b eph(d/cursors by 1: 1, h1)",
    ]);
  });
});
