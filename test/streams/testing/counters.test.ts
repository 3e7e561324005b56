import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  createInProcessNetwork,
  type FrameCodec,
  type TrafficEvent,
} from "../../../streams/testing/index.js";
import { join, msg, newTestScheduler } from "./helpers.js";

const textCodec: FrameCodec = {
  encode: (m) => JSON.stringify(m),
  decode: (frame) => JSON.parse(String(frame)),
};
const binaryCodec: FrameCodec = {
  encode: (m) => new TextEncoder().encode(JSON.stringify(m)),
  decode: (frame) => JSON.parse(new TextDecoder().decode(frame as Uint8Array)),
};

const batch: ChannelMsg = { type: "channel/batch", messages: [msg("x"), msg("y"), msg("z")] };

/** a sends `toB` to b and `toA` comes back, then the counters are read. */
function exchange(codec: FrameCodec | undefined, toB: ChannelMsg[], toA: ChannelMsg[]) {
  const scheduler = newTestScheduler();
  const net = createInProcessNetwork({ scheduler, ...(codec ? { codec } : {}) });
  const a = join(net, "a");
  const b = join(net, "b");
  for (const m of toB) a.last().connection.send(m);
  for (const m of toA) b.last().connection.send(m);
  scheduler.flush();
  return net;
}

describe("in-process network: counters", () => {
  it("counts frames, messages and UTF-8 bytes of text frames per direction and in total", () => {
    // "é" is 2 bytes in UTF-8, "😀" (a surrogate pair) 4.
    const toB = [msg("é"), batch];
    const toA = [msg("😀")];
    const net = exchange(textCodec, toB, toA);
    const utf8 = (m: ChannelMsg) => new TextEncoder().encode(JSON.stringify(m)).length;
    const aToB = { frames: 2, messages: 4, bytes: utf8(toB[0]!) + utf8(batch), delivered: 2 };
    const bToA = { frames: 1, messages: 1, bytes: utf8(toA[0]!), delivered: 1 };
    expect(net.counters("a", "b")).toMatchObject(aToB);
    expect(net.counters("b", "a")).toMatchObject(bToA);
    expect(net.counters()).toEqual({
      frames: 3,
      messages: 5,
      bytes: aToB.bytes + bToA.bytes,
      delivered: 3,
      dropped: 0,
      duplicated: 0,
    });
    expect(net.countersByDirection().map(({ from, to }) => `${from}>${to}`)).toEqual([
      "a>b",
      "b>a",
    ]);
    net.close();
  });

  it("counts the byte length of binary frames", () => {
    const net = exchange(binaryCodec, [msg("ü")], []);
    expect(net.counters("a", "b").bytes).toBe(
      new TextEncoder().encode(JSON.stringify(msg("ü"))).length,
    );
    net.close();
  });

  it("reports no bytes without a codec, since nothing is encoded", () => {
    const net = exchange(undefined, [batch], [msg("m")]);
    expect(net.counters()).toEqual({
      frames: 2,
      messages: 4,
      delivered: 2,
      dropped: 0,
      duplicated: 0,
    });
    expect(net.counters("a", "c")).toEqual({
      frames: 0,
      messages: 0,
      delivered: 0,
      dropped: 0,
      duplicated: 0,
    });
    net.close();
  });

  it("resets to zero and keeps counting", () => {
    const scheduler = newTestScheduler();
    const net = createInProcessNetwork({ scheduler });
    const a = join(net, "a");
    join(net, "b");
    a.last().connection.send(msg("1"));
    scheduler.flush();
    net.resetCounters();
    expect(net.counters().frames).toBe(0);
    expect(net.countersByDirection()).toEqual([]);
    a.last().connection.send(msg("2"));
    scheduler.flush();
    expect(net.counters("a", "b")).toMatchObject({ frames: 1, delivered: 1 });
    net.close();
  });
});

describe("in-process network: traffic$", () => {
  it("logs every delivered copy with sender, receiver, message and virtual time", () => {
    newTestScheduler().run(({ cold, flush }) => {
      const net = createInProcessNetwork({ latency: 2 });
      const log: TrafficEvent[] = [];
      net.traffic$.subscribe((e) => log.push(e));
      const a = join(net, "a");
      const b = join(net, "b");
      cold("x--y").subscribe((v) =>
        v === "x" ? a.last().connection.send(msg("x")) : b.last().connection.send(batch),
      );
      flush();
      expect(log).toEqual([
        { from: "a", to: "b", message: msg("x"), at: 2 },
        { from: "b", to: "a", message: batch, at: 5 },
      ]);
      // The receiver sees the very object the log shows.
      expect(b.last().received[0]).toBe(log[0]?.message);
      net.close();
    });
  });
});
