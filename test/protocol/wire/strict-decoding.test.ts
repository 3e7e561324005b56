/**
 * The decode path accepts only what the CBOR mapping allows (spec §13.2.2): every case here was
 * accepted before (a hostile-traffic run created documents from some of them), and the property
 * at the end fuzzes well-formed CBOR of wrong shapes through the whole path, frame → codecs.
 */
import { encode } from "cborg";
import fc from "fast-check";
import { type Either, isLeft } from "fp-ts/lib/Either.js";
import { decodeInbound } from "../../../src/protocol/codecs.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { type DecodeError, decodeFrameV2 } from "../../../src/protocol/wire/index.js";
import { fcSeed, hex, rightOf, v2Frame } from "./helpers.js";

const codeOf = (e: Either<DecodeError, unknown>): string | undefined =>
  isLeft(e) ? e.left.code : undefined;

/** Frame → codecs, as the engine does it: the messages that would reach the state machine. */
const accepted = (frame: Uint8Array): ChannelMsg[] => {
  const decoded = decodeFrameV2(frame);
  if (isLeft(decoded)) return [];
  return decoded.right.flatMap((m) => decodeInbound(m).messages);
};

// new-doc {docs ["a"]} written in unusual ways
const NEW_DOC = "a2 6174 1822 64646f6373 81 6161";

describe("CBOR the mapping does not allow", () => {
  it.each([
    ["an indefinite-length map", "bf 6174 1822 64646f6373 81 6161 ff"],
    ["an indefinite-length array", "a2 6174 1822 64646f6373 9f 6161 ff"],
    ["an indefinite-length text string", "a2 6174 1822 64646f6373 81 7f 6161 ff"],
    ["a duplicate key", "a3 6174 1822 64646f6373 81 6161 64646f6373 81 6162"],
    ["a duplicate type key", "a3 6174 1822 6174 1830 64646f6373 81 6161"],
    ["a half-precision float", "a4 6174 1840 63646f63 626431 6168 f93c00 627374 80"],
    ["a tagged docId", "a2 6174 1822 64646f6373 81 d820 6161"],
  ])("%s is invalid_cbor", (_name, payload) => {
    expect(codeOf(decodeFrameV2(v2Frame(hex(payload))))).toBe("invalid_cbor");
  });

  it("the same message in its plain form is accepted (the cases above differ only in encoding)", () => {
    expect(rightOf(decodeFrameV2(v2Frame(hex(NEW_DOC))))).toEqual([
      { type: "channel/new-doc", docIds: ["a"] },
    ]);
  });

  it("longer integer forms are still accepted (spec §13.2.2)", () => {
    expect(rightOf(decodeFrameV2(v2Frame(hex("a2 6174 1a00000022 64646f6373 81 6161"))))).toEqual([
      { type: "channel/new-doc", docIds: ["a"] },
    ]);
  });
});

describe("text that is not exactly its bytes", () => {
  const newDocWith = (docIdBytes: string): Uint8Array => {
    const length = docIdBytes.replace(/\s+/g, "").length / 2;
    return v2Frame(hex(`a2 6174 1822 64646f6373 81 ${(0x60 + length).toString(16)} ${docIdBytes}`));
  };

  it.each([
    ["a lone continuation byte", "61 80"],
    ["a truncated sequence", "61 e2 82"],
    ["an overlong encoding of '/'", "c0 af"],
    ["a UTF-16 surrogate", "ed a0 80"],
    ["a byte that never occurs", "61 ff"],
  ])("a docId with %s is invalid_cbor", (_name, bytes) => {
    expect(codeOf(decodeFrameV2(newDocWith(bytes)))).toBe("invalid_cbor");
  });

  it("different byte strings never decode to the same docId (no U+FFFD, no dropped BOM)", () => {
    // Valid UTF-8 that holds U+FFFD itself, and a leading U+FEFF, are kept exactly.
    expect(rightOf(decodeFrameV2(newDocWith("61 efbfbd")))).toEqual([
      { type: "channel/new-doc", docIds: ["a\uFFFD"] },
    ]);
    expect(rightOf(decodeFrameV2(newDocWith("efbbbf 61")))).toEqual([
      { type: "channel/new-doc", docIds: ["\uFEFFa"] },
    ]);
    expect(rightOf(decodeFrameV2(newDocWith("c3a9")))).toEqual([
      { type: "channel/new-doc", docIds: ["é"] },
    ]);
  });

  it("invalid UTF-8 in a long text (cborg's other decoding path) is invalid_cbor too", () => {
    const long = `${"61 ".repeat(40)}ff`;
    const payload = `a2 6174 1822 64646f6373 81 78 29 ${long}`;
    expect(codeOf(decodeFrameV2(v2Frame(hex(payload))))).toBe("invalid_cbor");
  });
});

describe("codes are codes", () => {
  it("a transmission kind written as its name, not its code, is rejected (found by the fuzz tool)", () => {
    // sync-response {doc "d1", tx {k "snapshot", d h'01', v {7:2}}}
    const payload =
      "a3 6174 11 63646f63 626431 627478 a3 616b 68736e617073686f74 6164 4101 6176 43010704";
    expect(accepted(v2Frame(hex(payload)))).toEqual([]);
    const withCode = "a3 6174 11 63646f63 626431 627478 a3 616b 01 6164 4101 6176 43010704";
    expect(accepted(v2Frame(hex(withCode)))).toHaveLength(1);
  });
});

describe("the handshake", () => {
  // establish-request {id "123", y "user"}
  const REQUEST = "a3 6174 01 626964 63313233 6179 6475736572";

  it("a BATCH-flag frame holding an establish-request is refused as a whole (§4.14)", () => {
    expect(rightOf(decodeFrameV2(v2Frame(hex(REQUEST))))).toHaveLength(1);
    expect(codeOf(decodeFrameV2(v2Frame(hex(`81 ${REQUEST}`), 1)))).toBe("invalid_type");
    expect(codeOf(decodeFrameV2(v2Frame(hex(`82 ${NEW_DOC} ${REQUEST}`), 1)))).toBe("invalid_type");
    // establish-response (t 02) likewise
    const response = REQUEST.replace("6174 01", "6174 02");
    expect(codeOf(decodeFrameV2(v2Frame(hex(`81 ${response}`), 1)))).toBe("invalid_type");
  });

  it("an identity type of null is rejected; absent and undefined default to user (§4.2)", () => {
    const withType = (y: string) => v2Frame(hex(`a3 6174 01 626964 63313233 6179 ${y}`));
    expect(accepted(withType("f6"))).toEqual([]);
    const user = { type: "channel/establish-request", identity: { peerId: "123", type: "user" } };
    expect(accepted(withType("f7"))).toEqual([user]);
    expect(accepted(v2Frame(hex("a2 6174 01 626964 63313233")))).toEqual([user]);
  });
});

/**
 * Per spec §13.2.2/§4: is this CBOR value (as generated, before encoding) a valid message? An
 * independent, literal reading of the tables, so the decoder is checked against the spec and
 * not against itself.
 */
const absent = (u: unknown): boolean => u === undefined || u === null;
const isText = (u: unknown, min = 0): u is string => typeof u === "string" && u.length >= min;
const isBytes = (u: unknown): boolean => u instanceof Uint8Array;
const isUint = (u: unknown): boolean => typeof u === "number" && Number.isSafeInteger(u) && u >= 0;
const isMap = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array);
const VALID_VV = new Set(["00", "010704"]);
const isVv = (u: unknown): boolean =>
  u instanceof Uint8Array && VALID_VV.has(Buffer.from(u).toString("hex"));
const isPresence = (u: unknown): boolean =>
  isMap(u) && isText(u.p, 1) && isBytes(u.d) && isText(u.ns);
const isPresenceList = (u: unknown): boolean => Array.isArray(u) && u.every(isPresence);
const isDocIds = (u: unknown): boolean => Array.isArray(u) && u.every((d) => isText(d, 1));
const isTx = (u: unknown): boolean => {
  if (!isMap(u)) return false;
  if (u.k === 0) return isVv(u.v);
  if (u.k === 1 || u.k === 2) return isBytes(u.d) && isVv(u.v);
  return u.k === 3;
};
const specValid = (m: Record<string, unknown>): boolean => {
  switch (m.t) {
    case 0x01:
    case 0x02:
      return (
        isText(m.id, 1) &&
        (absent(m.n) || isText(m.n)) &&
        (m.y === undefined || ["user", "bot", "service"].includes(m.y as string))
      );
    case 0x10:
      return (
        isText(m.doc, 1) &&
        isVv(m.v) &&
        (absent(m.e) || isPresenceList(m.e)) &&
        (absent(m.bi) || typeof m.bi === "boolean")
      );
    case 0x11:
      return isText(m.doc, 1) && isTx(m.tx) && (absent(m.e) || isPresenceList(m.e));
    case 0x12:
      return isText(m.doc, 1) && isTx(m.tx);
    case 0x20:
      return absent(m.docs) || isDocIds(m.docs);
    case 0x21:
    case 0x22:
      return isDocIds(m.docs);
    case 0x30:
      return isText(m.doc, 1);
    case 0x31:
      return isText(m.doc, 1) && (m.s === "deleted" || m.s === "ignored");
    case 0x40:
      return isText(m.doc, 1) && isUint(m.h) && isPresenceList(m.st);
    default:
      return false;
  }
};

/** A right value for every key of the mapping (§13.2.2), nested maps included. */
const VV = Uint8Array.of(1, 7, 4);
const PRESENCE = { p: "9", d: Uint8Array.of(5), ns: "presence" };
const RIGHT: Readonly<Record<string, unknown>> = {
  id: "123",
  n: "alice",
  y: "user",
  doc: "d1",
  v: VV,
  e: [PRESENCE],
  bi: true,
  tx: { k: 1, d: Uint8Array.of(1), v: VV },
  docs: ["a"],
  s: "deleted",
  h: 1,
  st: [PRESENCE],
};
const KEYS_BY_CODE: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0x01, ["id", "n", "y"]],
  [0x02, ["id", "n", "y"]],
  [0x10, ["doc", "v", "e", "bi"]],
  [0x11, ["doc", "tx", "e"]],
  [0x12, ["doc", "tx"]],
  [0x20, ["docs"]],
  [0x21, ["docs"]],
  [0x22, ["docs"]],
  [0x30, ["doc"]],
  [0x31, ["doc", "s"]],
  [0x40, ["doc", "h", "st"]],
];

/** Wrong kinds: text, bytes, ints, floats, booleans, null, undefined, arrays, maps. */
const leaf = fc.oneof(
  fc.constantFrom("", "d1", "user", "x", "snapshot", "up-to-date", "channel/new-doc"),
  fc.constantFrom(Uint8Array.of(0), Uint8Array.of(0x61), new Uint8Array(0)),
  fc.integer({ min: -3, max: 4 }),
  fc.constantFrom(1.5, 2 ** 40, -0.5, 0),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.constantFrom({}, { "7": 2 }, [], ["a"]),
);

/**
 * Near a right value: mostly right, sometimes one of the wrong kinds, recursively (map entries
 * dropped or replaced, array items replaced), so that the invalid messages look valid at a glance.
 */
const near = (right: unknown, depth = 0): fc.Arbitrary<unknown> => {
  const wrong = leaf;
  if (depth > 2) return fc.oneof({ weight: 3, arbitrary: fc.constant(right) }, wrong);
  if (Array.isArray(right)) {
    return fc.oneof(
      { weight: 3, arbitrary: fc.tuple(...right.map((r) => near(r, depth + 1))) },
      { weight: 1, arbitrary: wrong },
    );
  }
  if (typeof right === "object" && right !== null && !(right instanceof Uint8Array)) {
    const entries = Object.entries(right);
    const mapped = fc
      .tuple(...entries.map(([, r]) => fc.option(near(r, depth + 1), { freq: 6 })))
      .map((values) => {
        const out: Record<string, unknown> = {};
        entries.forEach(([k], i) => {
          if (values[i] !== null) out[k] = values[i];
        });
        return out;
      });
    return fc.oneof({ weight: 3, arbitrary: mapped }, { weight: 1, arbitrary: wrong });
  }
  return fc.oneof({ weight: 3, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: wrong });
};

const wrongShaped = fc
  .constantFrom(...KEYS_BY_CODE)
  .chain(([t, keys]) =>
    near(Object.fromEntries(keys.map((k) => [k, RIGHT[k]])), 1).map((fields) =>
      typeof fields === "object" && fields !== null && !Array.isArray(fields)
        ? { t, ...fields }
        : { t },
    ),
  );

const encodable = (m: unknown): Uint8Array | undefined => {
  try {
    return encode(m, { float64: true });
  } catch {
    return undefined;
  }
};

/** A one-element CBOR array around an encoded item. */
const encodeArray = (item: Uint8Array): Uint8Array => {
  const out = new Uint8Array(item.length + 1);
  out[0] = 0x81;
  out.set(item, 1);
  return out;
};

describe("well-formed CBOR of wrong shapes (fuzzed)", () => {
  it("nothing reaches the engine unless the spec's mapping allows it, in either frame form", () => {
    let kept = 0;
    fc.assert(
      fc.property(wrongShaped, (m) => {
        const payload = encodable(m);
        if (payload === undefined) return;
        const asMessage = accepted(v2Frame(payload));
        const asBatchFlag = accepted(v2Frame(encodeArray(payload), 1));
        const valid = specValid(m);
        if (valid) kept++;
        if (!valid) {
          expect(asMessage).toEqual([]);
          expect(asBatchFlag).toEqual([]);
        }
      }),
      { seed: fcSeed("strict decoding"), numRuns: 20_000 },
    );
    // The generator reaches valid messages too, so the property is not vacuously about rejects.
    expect(kept).toBeGreaterThan(20);
  });
});
