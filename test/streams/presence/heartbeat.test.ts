/**
 * The presence heartbeat (spec §6.19, §8.6, D-4): every 10 000 ms of the repo's scheduler, each
 * node sends its whole store once per (doc, namespace, channel), with hops 0 — nothing is
 * relayed, nothing else is sent — so an idle room costs frames linear in its peers.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { decodeFrame, encodeFrameV2 } from "../../../src/protocol/wire/index.js";
import type { FrameCodec } from "../../../streams/testing/index.js";
import { between, virtualRoom } from "./helpers.js";

/** The binary wire format of 6.x transports (spec §13.2, framing version 2). */
const binaryV2: FrameCodec = {
  encode(message: ChannelMsg) {
    const frame = encodeFrameV2(message);
    if (isLeft(frame)) throw new Error(frame.left.message);
    return frame.right;
  },
  decode(frame) {
    if (typeof frame === "string") throw new Error("binary frames only");
    const decoded = decodeFrame(2, frame);
    if (isLeft(decoded)) throw new Error(decoded.left.message);
    const [first, ...rest] = decoded.right;
    return rest.length === 0 ? first : { type: "channel/batch", messages: decoded.right };
  },
};

describe("the presence heartbeat", () => {
  it("every 10 000 ms each node sends its whole store to each neighbour once, hops 0, and nothing else", async () => {
    let lines: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9");
      room.repo("a", "1").presence("d", "cursors").set({ x: 1 });
      room.repo("b", "2").presence("d", "cursors").set({ x: 2 });
      room.runUntil(35_000);
      lines = between(room.log, 100, 35_000);
    });
    // Sent at 10 000, 20 000, 30 000; delivered 1 ms later. No relays: the hub's own store already
    // carries every spoke.
    const period = (t: number) => [
      `${t} hub→a eph(d/cursors by 9: 1,2, h0)`,
      `${t} hub→b eph(d/cursors by 9: 1,2, h0)`,
      `${t} a→hub eph(d/cursors by 1: 1,2, h0)`,
      `${t} b→hub eph(d/cursors by 2: 1,2, h0)`,
    ];
    expect(lines).toEqual([...period(10_001), ...period(20_001), ...period(30_001)]);
  });

  it("one message per (doc, namespace, channel): two docs and two namespaces make one batch per channel", async () => {
    let lines: string[] = [];
    await virtualRoom({}, (room) => {
      const a = room.repo("a", "1");
      room.repo("b", "2");
      a.presence("d", "cursors").set("c");
      a.presence("d", "status").set("s");
      a.presence("e", "cursors").set("e");
      room.runUntil(10_500);
      lines = between(room.log, 100, 10_500);
    });
    expect(lines).toEqual([
      "10001 a→b [eph(d/cursors by 1: 1, h0), eph(d/status by 1: 1, h0), eph(e/cursors by 1: 1, h0)]",
      "10001 b→a [eph(d/cursors by 2: 1, h0), eph(d/status by 2: 1, h0), eph(e/cursors by 2: 1, h0)]",
    ]);
  });

  it("heartbeatMs: 0 switches it off: an idle room sends nothing at all", async () => {
    let lines: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      room.repo("hub", "9", { heartbeatMs: 0 });
      room.repo("a", "1", { heartbeatMs: 0 }).presence("d", "cursors").set({ x: 1 });
      room.repo("b", "2", { heartbeatMs: 0 }).presence("d", "cursors").set({ x: 2 });
      room.runUntil(120_000);
      lines = between(room.log, 100, 120_000);
    });
    expect(lines).toEqual([]);
  });

  it("an idle room's cost per heartbeat is linear: 2 frames per spoke, one message each", async () => {
    const perHeartbeat: Record<number, { frames: number; messages: number }> = {};
    for (const spokes of [2, 4, 8, 16]) {
      await virtualRoom({ topology: { star: "hub" } }, (room) => {
        room.repo("hub", "0");
        for (let i = 1; i <= spokes; i++) room.repo(`s${i}`, `${i}`).presence("d", "p").set(i);
        room.runUntil(5_000);
        room.net.resetCounters();
        room.runUntil(14_999);
        const { frames, messages } = room.net.counters();
        perHeartbeat[spokes] = { frames, messages };
      });
    }
    expect(perHeartbeat).toEqual({
      2: { frames: 4, messages: 4 },
      4: { frames: 8, messages: 8 },
      8: { frames: 16, messages: 16 },
      16: { frames: 32, messages: 32 },
    });
  });

  it("a 10-peer room (hub + 9 spokes, binary frames v2): frames and bytes per heartbeat", async () => {
    let figures = { frames: 0, messages: 0, bytes: 0 };
    let perSpoke = { up: 0, down: 0 };
    await virtualRoom({ topology: { star: "hub" }, codec: binaryV2 }, (room) => {
      room.repo("hub", "1000");
      for (let i = 1; i <= 9; i++) {
        room
          .repo(`s${i}`, `${1000 + i}`)
          .presence("doc-1", "presence")
          .set({
            name: `user ${i}`,
            color: "#3366ff",
            cursor: { anchor: i * 10, head: i * 10 + 5 },
          });
      }
      room.runUntil(5_000);
      room.net.resetCounters();
      room.runUntil(14_999);
      const total = room.net.counters();
      figures = { frames: total.frames, messages: total.messages, bytes: total.bytes ?? -1 };
      perSpoke = {
        up: room.net.counters("s1", "hub").bytes ?? -1,
        down: room.net.counters("hub", "s1").bytes ?? -1,
      };
    });
    // Printed for the record (see the report); asserted on structure, not on exact sizes, which
    // belong to loro's encoding.
    console.log(
      `10-peer room, one heartbeat: ${figures.frames} frames, ${figures.messages} messages, ` +
        `${figures.bytes} bytes (spoke→hub ${perSpoke.up} B, hub→spoke ${perSpoke.down} B per spoke)`,
    );
    expect(figures.frames).toBe(18);
    expect(figures.messages).toBe(18);
    expect(figures.bytes).toBe(9 * (perSpoke.up + perSpoke.down));
  });

  it("names the docs that have presence, and is no input at all while no doc has any", async () => {
    const heartbeats: string[] = [];
    await virtualRoom({ topology: { star: "hub" } }, (room) => {
      const hub = room.repo("hub", "9");
      hub.inputs$.subscribe((input) => {
        if (input.type === "heartbeat") {
          heartbeats.push(`${room.scheduler.now()} ${(input.docIds ?? ["(all)"]).join(",")}`);
        }
      });
      const a = room.repo("a", "1");
      a.doc("quiet").getText("t").insert(0, "no presence here");
      room.runUntil(25_000);
      a.presence("d", "cursors").set({ x: 1 });
      room.runUntil(35_000);
    });
    // 10,000 and 20,000: no doc has presence anywhere on the hub, so no heartbeat input.
    expect(heartbeats).toEqual(["30000 d"]);
  });
});
