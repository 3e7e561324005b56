/**
 * Version vector bytes (spec §13.2.3) come from loro-crdt; conversions are remembered, and a
 * remembered answer must be exactly Loro's, however often and in whatever order we ask.
 */
import fc from "fast-check";
import { VersionVector as LoroVersionVector } from "loro-crdt";
import {
  decodeVersionVector,
  encodeVersionVector,
} from "../../../src/protocol/wire/version-vector-bytes.js";
import { fcSeed } from "../fc-seed.js";

const loroBytes = (vv: Record<string, number>): string => {
  const loro = LoroVersionVector.parseJSON(new Map(Object.entries(vv)) as never);
  const hex = Buffer.from(loro.encode()).toString("hex");
  loro.free();
  return hex;
};

const vector = fc.dictionary(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 2n }).map(String),
  fc.integer({ min: 1, max: 0x7fff_ffff }),
  { maxKeys: 4 },
);

describe("version vector bytes", () => {
  const seed = fcSeed("version vector bytes, remembered");

  it("encodes and decodes as Loro does, the first time and every time after (5,000 vectors)", () => {
    // More distinct vectors than the cache holds, each asked for several times.
    const seen: Record<string, number>[] = [];
    fc.assert(
      fc.property(vector, fc.nat(), (vv, pick) => {
        seen.push(vv);
        const again = seen[pick % seen.length] as Record<string, number>;
        for (const v of [vv, again, vv]) {
          const bytes = encodeVersionVector(v);
          if (bytes._tag !== "Right") throw new Error(bytes.left.message);
          expect(Buffer.from(bytes.right).toString("hex")).toBe(loroBytes(v));
          const back = decodeVersionVector(bytes.right);
          expect(back).toEqual({ _tag: "Right", right: v });
        }
      }),
      { seed, numRuns: 5_000 },
    );
  });

  it("a decoded vector is the caller's own: changing it does not change the next answer", () => {
    const bytes = encodeVersionVector({ "7": 2 });
    if (bytes._tag !== "Right") throw new Error("unreachable");
    const first = decodeVersionVector(bytes.right);
    if (first._tag !== "Right") throw new Error("unreachable");
    (first.right as Record<string, number>)["7"] = 99;
    expect(decodeVersionVector(bytes.right)).toEqual({ _tag: "Right", right: { "7": 2 } });
  });

  it("a vector whose peer string looks like several entries is not mistaken for them", () => {
    expect(encodeVersionVector({ "1": 2, "3": 4 })._tag).toBe("Right");
    expect(encodeVersionVector({ "1:2,3": 4 })._tag).toBe("Left");
    expect(encodeVersionVector({ "1=2;1:3": 4 })._tag).toBe("Left");
  });

  it("bad input is refused every time, never remembered as good", () => {
    for (let i = 0; i < 3; i++) {
      expect(encodeVersionVector({ "007": 1 })._tag).toBe("Left");
      expect(decodeVersionVector(new Uint8Array([0x05, 0x01]))._tag).toBe("Left");
    }
  });
});
