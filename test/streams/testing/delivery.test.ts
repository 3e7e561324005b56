import fc from "fast-check";
import { firstValueFrom, ignoreElements, mergeMap, take, tap } from "rxjs";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { createInProcessNetwork, type FrameCodec } from "../../../streams/testing/index.js";
import { docIds, join, msg, newTestScheduler } from "./helpers.js";

const jsonCodec: FrameCodec = {
  encode: (m) => JSON.stringify(m),
  decode: (frame) =>
    JSON.parse(typeof frame === "string" ? frame : new TextDecoder().decode(frame)),
};

describe("in-process network: delivery", () => {
  it("never delivers inside send(): with the default asapScheduler it arrives on a later microtask", async () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    const b = join(net, "b");
    const arrived = firstValueFrom(a.last().connection.incoming$.pipe(take(2)));
    b.last().connection.send(msg("one"));
    b.last().connection.send(msg("two"));
    expect(a.last().received).toEqual([]);
    await arrived;
    expect(docIds(a.last().received)).toEqual(["one", "two"]);
    net.close();
  });

  it("delivers in send order after the latency (marbles, virtual time)", () => {
    newTestScheduler().run(({ cold, expectObservable }) => {
      const net = createInProcessNetwork({ latency: 3 });
      const values = { x: msg("x"), y: msg("y"), z: msg("z") };
      const sendFromB$ = net.peer("b").pipe(
        mergeMap((c) => cold<ChannelMsg>("x-y-z|", values).pipe(tap((m) => c.send(m)))),
        ignoreElements(),
      );
      sendFromB$.subscribe();
      expectObservable(net.peer("a").pipe(mergeMap((c) => c.incoming$))).toBe("---x-y-z", values);
    });
  });

  it("hands over deep copies: neither side can mutate the other's object", async () => {
    const net = createInProcessNetwork();
    const a = join(net, "a");
    const b = join(net, "b");
    const data = new Uint8Array([1, 2, 3]);
    const sent = {
      type: "channel/update",
      docId: "d",
      transmission: { type: "update", data, version: { "1": 3 } },
    } as const satisfies ChannelMsg;
    const arrived = firstValueFrom(a.last().connection.incoming$);
    b.last().connection.send(sent);
    data[0] = 99; // after send: must not reach the receiver
    const got = (await arrived) as typeof sent;
    expect(got).not.toBe(sent);
    expect(got.transmission.data).not.toBe(data);
    expect(Array.from(got.transmission.data)).toEqual([1, 2, 3]);
    net.close();
  });

  it("passes every message through the codec when one is given", async () => {
    const encoded: unknown[] = [];
    const codec: FrameCodec = {
      encode: (m) => {
        encoded.push(m);
        return new TextEncoder().encode(JSON.stringify(m));
      },
      decode: jsonCodec.decode,
    };
    const net = createInProcessNetwork({ codec });
    const a = join(net, "a");
    const b = join(net, "b");
    const arrived = firstValueFrom(b.last().connection.incoming$);
    a.last().connection.send(msg("coded"));
    expect(encoded).toEqual([msg("coded")]); // encoded on the sender's side, at send time
    expect(await arrived).toEqual(msg("coded"));
    net.close();
  });

  it("reports codec failures as problems, never as errors or throws", () => {
    newTestScheduler().run(({ flush }) => {
      const codec: FrameCodec = {
        encode: (m) => {
          if (m.type === "channel/new-doc") throw "cannot encode"; // Loro-style string throw
          return JSON.stringify(m);
        },
        decode: (frame) => {
          if (String(frame).includes("garbage")) throw new Error("bad frame");
          return JSON.parse(String(frame));
        },
      };
      const net = createInProcessNetwork({ codec });
      const a = join(net, "a");
      const b = join(net, "b");
      const problems: { side: string; code: string }[] = [];
      for (const [side, j] of [
        ["a", a],
        ["b", b],
      ] as const) {
        j.last().connection.problems$?.subscribe((p) => problems.push({ side, code: p.code }));
      }
      const send = a.last().connection;
      expect(() => send.send({ type: "channel/new-doc", docIds: ["x"] })).not.toThrow();
      send.send(msg("garbage"));
      send.send(msg("fine"));
      flush();
      expect(problems).toEqual([
        { side: "a", code: "unencodable_message" },
        { side: "b", code: "undecodable_frame" },
      ]);
      expect(docIds(b.last().received)).toEqual(["fine"]);
      expect(b.last().completed).toBe(false);
      net.close();
    });
  });

  it("without faults delivers every message exactly once, in order, on every direction (property)", () => {
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`fast-check seed: ${seed} (FC_SEED=${seed} to replay)`);
    const send = fc.record({
      from: fc.integer({ min: 0, max: 2 }),
      to: fc.integer({ min: 0, max: 2 }),
      // Mostly simultaneous sends: that is where a delivery order bug shows.
      gap: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.integer({ min: 1, max: 4 })),
      batch: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(send, { maxLength: 60 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        (sends, latency, withCodec) => {
          const scheduler = newTestScheduler();
          const net = createInProcessNetwork({
            scheduler,
            latency,
            ...(withCodec ? { codec: jsonCodec } : {}),
          });
          const peers = ["p0", "p1", "p2"].map((name) => join(net, name));
          // Peers joined in order, so peer i's link to peer j is its connection number j, or j - 1
          // past itself.
          const end = (i: number, j: number) => peers[i]?.connections[j < i ? j : j - 1];
          const expected = new Map<string, string[]>();
          let at = 0;
          sends.forEach(({ from, to, gap, batch }, n) => {
            if (from === to) return;
            at += gap;
            const id = `${from}>${to}#${n}`;
            expected.set(`${from}>${to}`, [...(expected.get(`${from}>${to}`) ?? []), id]);
            const message: ChannelMsg = batch
              ? { type: "channel/batch", messages: [msg(id)] }
              : msg(id);
            scheduler.schedule(() => end(from, to)?.connection.send(message), at);
          });
          scheduler.flush();
          for (let from = 0; from < 3; from++)
            for (let to = 0; to < 3; to++) {
              if (from === to) continue;
              const got = (end(to, from)?.received ?? []).map((m) => {
                const inner = (m as { messages?: unknown[] }).messages?.[0] ?? m;
                return (inner as { docId: string }).docId;
              });
              expect(got).toEqual(expected.get(`${from}>${to}`) ?? []);
            }
          expect(net.counters().dropped).toBe(0);
          expect(net.counters().duplicated).toBe(0);
          net.close();
        },
      ),
      { seed },
    );
  });
});
