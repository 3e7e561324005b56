/** Bytes from a peer we cannot trust: decoders never throw and say what went wrong. */
import fc from "fast-check";
import { type Either, isLeft } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  type DecodeError,
  decodeFrameV1,
  decodeFrameV2,
  encodeFrameV1,
  encodeFrameV2,
  FragmentReassembler,
} from "../../../src/protocol/wire/index.js";
import { message } from "./arbitraries.js";
import { fcSeed, hex, leftOf, rightOf, v2Frame } from "./helpers.js";

const params = { seed: fcSeed("hostile bytes"), numRuns: 1000 };

const sample: ChannelMsg = {
  type: "channel/sync-response",
  docId: "doc",
  transmission: { type: "snapshot", data: Uint8Array.of(1, 2, 3, 4), version: { "7": 2 } },
  ephemeral: [{ peerId: "9", namespace: "presence", data: Uint8Array.of(5) }],
};

const codeOf = (e: Either<DecodeError, unknown>): string | undefined =>
  isLeft(e) ? e.left.code : undefined;

describe("random bytes", () => {
  it("never throw, whatever the decoder", () => {
    const reassembler = new FragmentReassembler();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(() => decodeFrameV2(bytes)).not.toThrow();
        expect(() => decodeFrameV1(bytes)).not.toThrow();
        expect(() => reassembler.receive(bytes, 0)).not.toThrow();
        // Behind a valid header, so the CBOR decoder and the mapping see them too.
        expect(() => decodeFrameV2(v2Frame(bytes))).not.toThrow();
        expect(() => decodeFrameV2(v2Frame(bytes, 1))).not.toThrow();
      }),
      params,
    );
  });

  it("mutated real frames never throw", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.nat({ max: 255 }), (m, at, value) => {
        for (const frame of [rightOf(encodeFrameV2(m)), rightOf(encodeFrameV1(m))]) {
          frame[at % frame.length] = value;
          expect(() => decodeFrameV2(frame)).not.toThrow();
          expect(() => decodeFrameV1(frame)).not.toThrow();
        }
      }),
      params,
    );
  });
});

describe("frame errors", () => {
  it("truncation at every offset of a real frame is truncated_frame", () => {
    for (const [version, frame] of [
      [2, rightOf(encodeFrameV2(sample))],
      [1, rightOf(encodeFrameV1(sample))],
    ] as const) {
      const decode = version === 2 ? decodeFrameV2 : decodeFrameV1;
      for (let n = 0; n < frame.length; n++) {
        expect(leftOf(decode(frame.subarray(0, n))).code).toBe("truncated_frame");
      }
      expect(rightOf(decode(frame))).toEqual([sample]);
    }
  });

  it("a length beyond the bytes received is truncated_frame", () => {
    expect(codeOf(decodeFrameV2(hex("02 00 ffffffff a0")))).toBe("truncated_frame");
    expect(codeOf(decodeFrameV1(hex("01 00 ffff a0")))).toBe("truncated_frame");
  });

  it("wrong version bytes are unsupported_version", () => {
    for (const v of ["00", "01", "03", "ff"]) {
      expect(codeOf(decodeFrameV2(hex(`${v} 00 00000001 a0`)))).toBe("unsupported_version");
    }
    for (const v of ["00", "02", "ff"])
      expect(codeOf(decodeFrameV1(hex(`${v} 00 0001 a0`)))).toBe("unsupported_version");
  });

  it.each([
    ["unknown type code", "a1 6174 1899", "invalid_type"],
    ["type code as text", "a1 6174 61 41", "invalid_type"],
    ["no type at all", "a0", "invalid_type"],
    ["unknown type inside a batch", "a2 6174 1850 616d 81 a1 6174 07", "invalid_type"],
    ["not a map", "83 01 02 03", "invalid_cbor"],
    ["not CBOR", "ff", "invalid_cbor"],
    ["empty payload", "", "invalid_cbor"],
    ["trailing bytes inside the payload", "a1 6174 1822 00", "invalid_cbor"],
    ["a tagged value", "c2 41 01", "invalid_cbor"],
    ["a non-text key", "a2 6174 1822 01 02", "invalid_cbor"],
    ["a batch member that is not a map", "a2 6174 1850 616d 81 05", "invalid_cbor"],
    [
      "undecodable version-vector bytes",
      "a4 6174 10 63646f63 626431 6176 42 0507 626269 f5",
      "invalid_cbor",
    ],
  ])("%s → %s", (_name, payload, code) => {
    expect(codeOf(decodeFrameV2(v2Frame(hex(payload))))).toBe(code);
  });

  it("a BATCH-flag frame whose payload is not an array is invalid_cbor", () => {
    expect(codeOf(decodeFrameV2(v2Frame(hex("a1 6174 1822"), 1)))).toBe("invalid_cbor");
  });

  it("bytes after the frame are ignored", () => {
    const frame = rightOf(encodeFrameV2(sample));
    const padded = new Uint8Array(frame.length + 10).fill(0xff);
    padded.set(frame);
    expect(rightOf(decodeFrameV2(padded))).toEqual([sample]);
  });

  it("deeply nested batches are refused without exhausting the stack", () => {
    let payload = "a2 6174 1822 64646f6373 80";
    for (let i = 0; i < 5000; i++) payload = `a2 6174 1850 616d 81 ${payload}`;
    expect(codeOf(decodeFrameV2(v2Frame(hex(payload))))).toBe("invalid_cbor");
    expect(codeOf(decodeFrameV2(v2Frame(new Uint8Array(200_000).fill(0x81))))).toBe("invalid_cbor");
  });

  it("a reference frame with UTF-16 string lengths (N-35) is a decode error, not an exception", () => {
    // name "héllo": 6 UTF-8 bytes, written with its UTF-16 length 5 by tiny-cbor 0.3.2.
    const payload = "a4 6174 01 626964 63313233 616e 65 68c3a96c6c6f 6179 6475736572";
    const result = decodeFrameV2(v2Frame(hex(payload)));
    expect(isLeft(result)).toBe(true);
  });

  it("shapes are not validated: wrong kinds pass through for the codecs", () => {
    const payload = "a3 6174 12 63646f63 05 627478 a1 616b 09";
    expect(rightOf(decodeFrameV2(v2Frame(hex(payload))))).toEqual([
      { type: "channel/update", docId: 5, transmission: { type: "unknown kind code 9" } },
    ]);
  });

  it("a version vector that is not a byte string is invalid_cbor, even a map the codecs would take", () => {
    expect(codeOf(decodeFrameV2(v2Frame(hex("a2 6174 10 6176 01"))))).toBe("invalid_cbor");
    // sync-request {doc "d1", v {}} — a map where §13.2.3 puts bytes
    expect(codeOf(decodeFrameV2(v2Frame(hex("a3 6174 10 63646f63 626431 6176 a0"))))).toBe(
      "invalid_cbor",
    );
  });

  it("longer integer forms and 64-bit floats are accepted (spec §13.2.2)", () => {
    // t as a 4-byte integer, h as a float64 1.0
    const payload = "a4 6174 1a00000040 63646f63 626431 6168 fb3ff0000000000000 627374 80";
    expect(rightOf(decodeFrameV2(v2Frame(hex(payload))))).toEqual([
      { type: "channel/ephemeral", docId: "d1", hopsRemaining: 1, stores: [] },
    ]);
  });
});
