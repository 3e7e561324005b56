/**
 * Our CBOR decoder for plain forms (src/protocol/wire/cbor-decode.ts) returns exactly what
 * cborg returns with the mapping's options, or gives the bytes to cborg (`UNSURE`): it never
 * accepts what cborg rejects, and never reads a value differently.
 */
import { decode, encode } from "cborg";
import fc from "fast-check";
import { decodePlainCbor, UNSURE } from "../../../src/protocol/wire/cbor-decode.js";
import { fcSeed } from "../fc-seed.js";

const seed = fcSeed("test/protocol/wire/cbor-decode.test.ts");

/** The options of `decodeCbor` (cbor.ts), without its strict-UTF-8 tokenizer. */
const CBORG = {
  strict: false,
  allowIndefinite: false,
  allowUndefined: true,
  allowBigInt: true,
  useMaps: false,
  rejectDuplicateMapKeys: true,
} as const;

/** What cborg says, or `undefined` when it throws. */
const cborg = (bytes: Uint8Array): { value: unknown } | undefined => {
  try {
    // decodeCbor hands cborg a plain Uint8Array (it returns Buffers for Buffer input).
    return { value: decode(new Uint8Array(bytes), CBORG) };
  } catch {
    return undefined;
  }
};

const leaf = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(23, 24, 255, 256, 65_535, 65_536, 2 ** 32, -(2 ** 32) - 1, 2 ** 53, -(2 ** 53)),
  fc.double(),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ minLength: 33, maxLength: 60 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(true, false, null, undefined),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const encodings = value.chain((v) =>
  fc.constantFrom(
    encode(v, { float64: true, mapSorter: () => 0 }),
    encode(v, { mapSorter: () => 0 }), // shortest floats, half floats included
  ),
);

describe("decodePlainCbor", () => {
  it("reads what cborg reads, the same way, on well-formed CBOR", () => {
    let taken = 0;
    fc.assert(
      fc.property(encodings, (bytes) => {
        const ours = decodePlainCbor(bytes);
        if (ours === UNSURE) return;
        taken++;
        const theirs = cborg(bytes);
        expect(theirs).toBeDefined();
        expect(ours).toStrictEqual(theirs?.value);
      }),
      { seed, numRuns: 1000 },
    );
    expect(taken).toBeGreaterThan(500);
  });

  it("never accepts mutated bytes cborg rejects, nor reads them differently", () => {
    fc.assert(
      fc.property(
        encodings,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: -2, max: 2 }),
        (bytes, edits, cut) => {
          const mutated = Uint8Array.from(bytes);
          for (const [at, byte] of edits)
            if (mutated.length > 0) mutated[at % mutated.length] = byte;
          const data =
            cut < 0
              ? mutated.subarray(0, Math.max(0, mutated.length + cut))
              : Uint8Array.from([...mutated, ...new Array(cut).fill(0)]);
          const ours = decodePlainCbor(data);
          if (ours === UNSURE) return;
          const theirs = cborg(data);
          expect(theirs).toBeDefined();
          expect(ours).toStrictEqual(theirs?.value);
        },
      ),
      { seed, numRuns: 2000 },
    );
  });

  it("leaves to cborg what it must decide: big integers, tags, indefinite lengths, repeats", () => {
    const cases = [
      "1b0020000000000000", // 2^53
      "3b001fffffffffffff", // -2^53
      "c11a514b67b0", // a tag
      "9fff", // an indefinite array
      "a2616101616102", // a repeated key
      "a1016161", // a non-text key
      "f93c00", // a half float
      "f0", // an unassigned simple value
      "", // nothing
      "0000", // trailing bytes
      "62c328", // invalid UTF-8
      "a1695f5f70726f746f5f5f01", // __proto__
    ];
    for (const hex of cases) expect(decodePlainCbor(Buffer.from(hex, "hex"))).toBe(UNSURE);
  });

  it("reads byte strings as copies, as cborg does", () => {
    const frame = Uint8Array.of(0x42, 1, 2);
    const out = decodePlainCbor(frame) as Uint8Array;
    expect(out).toStrictEqual(Uint8Array.of(1, 2));
    frame[1] = 9;
    expect(out[0]).toBe(1);
  });
});

describe("byte strings: large ones are views of the frame, small ones copies", () => {
  const frameOf = (size: number) => {
    const data = new Uint8Array(size).map((_, i) => i % 251);
    return { data, frame: Buffer.from(encode({ data })) };
  };
  const decoded = (frame: Uint8Array) => decodePlainCbor(frame) as { data: Uint8Array };
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

  it("a 128 KiB string is a plain Uint8Array over the frame's memory, equal to cborg's copy", () => {
    const { data, frame } = frameOf(128 * 1024);
    const out = decoded(frame);
    const theirs = cborg(frame)?.value as { data: Uint8Array } | undefined;
    expect(Buffer.isBuffer(out.data)).toBe(false);
    expect(same(out.data, data)).toBe(true);
    expect(theirs !== undefined && same(out.data, theirs.data)).toBe(true);
    // No copy: the 5 MiB-snapshot case spent a quarter of its overhead copying (W4a).
    expect(out.data.buffer).toBe(frame.buffer);
  });

  it("a small string is a copy, so it never keeps a large frame alive", () => {
    const { data, frame } = frameOf(100);
    const out = decoded(frame);
    expect(out.data).toEqual(data);
    expect(out.data.buffer).not.toBe(frame.buffer);
  });
});
