/**
 * Our CBOR encoder (src/protocol/wire/cbor-encode.ts) writes the bytes cborg writes with the
 * options the reference's minimal decoder needs: 64-bit floats, keys in insertion order.
 */
import { type EncodeOptions, encode } from "cborg";
import fc from "fast-check";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { encodeWireCbor } from "../../../src/protocol/wire/cbor-encode.js";
import {
  encodeFrameV2,
  encodeTransportPayloads,
  FragmentReassembler,
  splitFrame,
} from "../../../src/protocol/wire/index.js";
import { fcSeed } from "../fc-seed.js";

const CBORG_OPTIONS: EncodeOptions = {
  float64: true,
  mapSorter: () => 0,
  typeEncoders: {
    undefined: () => {
      throw new Error("undefined");
    },
  },
};

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

const number = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -24, -25, -257),
  fc.constantFrom(-(2 ** 32), -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 60), 0.5, Number.NaN, Number.POSITIVE_INFINITY),
);
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ minLength: 24 }));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(7)),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    number,
    text,
    bytes,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 30 }),
    fc.dictionary(text, tie("value"), { maxKeys: 30 }),
  ),
}));

describe("CBOR encoder", () => {
  const seed = fcSeed("CBOR encoder vs cborg");

  it("writes exactly what cborg writes, for any value of the wire mapping", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(hex(encodeWireCbor(v))).toBe(hex(encode(v, CBORG_OPTIONS)));
      }),
      { seed, numRuns: 2_000 },
    );
  });

  it("leaves the reserved bytes in front free and writes the value after them", () => {
    const out = encodeWireCbor({ t: 1, d: new Uint8Array([1, 2, 3]) }, 6);
    expect(hex(out.subarray(0, 6))).toBe("000000000000");
    expect(hex(out.subarray(6))).toBe(
      hex(encode({ t: 1, d: new Uint8Array([1, 2, 3]) }, CBORG_OPTIONS)),
    );
  });

  it("refuses what the wire mapping never produces", () => {
    for (const bad of [
      undefined,
      { a: undefined },
      new Map(),
      1n,
      () => 1,
      Symbol("s"),
      new Date(),
    ]) {
      expect(() => encodeWireCbor(bad)).toThrow(TypeError);
    }
  });
});

describe("a frame with a large byte string, fragmented", () => {
  it("is split into exactly the fragments of its whole encoding", () => {
    const data = new Uint8Array(350_000).map((_, i) => (i * 7) & 0xff);
    const message: ChannelMsg = {
      type: "channel/sync-response",
      docId: "large",
      transmission: { type: "snapshot", data, version: { "2000000": 5_120 } },
    };
    const batchId = () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const threshold of [100_000, 65_536, 349_999, 1_000]) {
      const gathered = encodeTransportPayloads(message, { threshold, batchId });
      const whole = encodeFrameV2(message);
      if (gathered._tag !== "Right" || whole._tag !== "Right") throw new Error("unencodable");
      const expected = splitFrame(whole.right, threshold, batchId());
      expect(gathered.right.map(hex)).toEqual(expected.map(hex));
      const reassembler = new FragmentReassembler();
      const frames = gathered.right.flatMap((p) =>
        reassembler.receive(p, 0).flatMap((o) => (o._tag === "Right" ? [o.right] : [])),
      );
      expect(frames.map(hex)).toEqual([hex(whole.right)]);
    }
  });
});

describe("one message object sent through transports with different thresholds", () => {
  it("is fragmented where it must be, even after a transport sent it whole", () => {
    const message: ChannelMsg = {
      type: "channel/update",
      docId: "d",
      transmission: { type: "update", data: new Uint8Array(5_000).fill(1), version: { "1": 1 } },
    };
    const batchId = () => new Uint8Array(8);
    const whole = encodeTransportPayloads(message, { threshold: 0, batchId });
    const small = encodeTransportPayloads(message, { threshold: 1_000, batchId });
    const again = encodeTransportPayloads(message, { threshold: 0, batchId });
    if (whole._tag !== "Right" || small._tag !== "Right" || again._tag !== "Right") {
      throw new Error("unencodable");
    }
    expect(whole.right).toHaveLength(1);
    expect(small.right.length).toBeGreaterThan(5);
    expect(small.right.every((p) => p.length <= 1_000 + 13)).toBe(true);
    expect(again.right.map(hex)).toEqual(whole.right.map(hex));
  });
});
