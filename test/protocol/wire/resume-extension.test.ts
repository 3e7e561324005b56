/**
 * The resume extension (docs/RESUME.md §3) on the wire: both framings and JSON carry it, our
 * strict decoder accepts it and rejects malformed ones, and the keys the reference decodes by
 * name are untouched, so a loro-extended peer reads the identity and never the extension.
 */
import { deserializeChannelMsg } from "@loro-extended/repo";
import { decode as cborDecode } from "cborg";
import { isLeft, isRight } from "fp-ts/lib/Either.js";
import { decodeChannelMsg } from "../../../src/protocol/codecs/decode.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  decodeFrameV1,
  decodeFrameV2,
  decodeJson,
  encodeFrameV1,
  encodeFrameV2,
  encodeJson,
} from "../../../src/protocol/wire/index.js";

const identity = { peerId: "123", name: "alice", type: "user" } as const;
const request: ChannelMsg = {
  type: "channel/establish-request",
  identity,
  resume: {
    session: "0123456789abcdef",
    known: [{ session: "fedcba9876543210", digest: "00112233445566778899aabbccddeeff" }],
  },
};
const announce: ChannelMsg = {
  type: "channel/establish-request",
  identity,
  resume: { session: "0123456789abcdef" },
};
const response: ChannelMsg = {
  type: "channel/establish-response",
  identity,
  resume: { session: "fedcba9876543210", accepted: true },
};

const ok = <A>(e: { _tag: "Left"; left: unknown } | { _tag: "Right"; right: A }): A => {
  if (e._tag === "Left") throw new Error(JSON.stringify(e.left));
  return e.right;
};

describe("the resume extension on the wire", () => {
  it.each([
    ["request", request],
    ["announcement", announce],
    ["response", response],
  ])("the %s round-trips through CBOR v1, CBOR v2 and JSON, and our codecs accept it", (_, msg) => {
    const v1 = ok(decodeFrameV1(ok(encodeFrameV1(msg))));
    const v2 = ok(decodeFrameV2(ok(encodeFrameV2(msg))));
    const json = ok(decodeJson(ok(encodeJson(msg))));
    for (const decoded of [v1[0], v2[0], json]) expect(ok(decodeChannelMsg(decoded))).toEqual(msg);
  });

  it("the CBOR map keeps the reference's keys (t, id, n, y) and adds only `rs`", () => {
    const frame = ok(encodeFrameV1(request));
    const map = cborDecode(frame.subarray(4), { useMaps: true }) as Map<string, unknown>;
    expect([...map.keys()]).toEqual(["t", "id", "n", "y", "rs"]);
    expect([map.get("t"), map.get("id"), map.get("n"), map.get("y")]).toEqual([
      1,
      "123",
      "alice",
      "user",
    ]);
  });

  it("the reference's JSON decoder reads the identity (its handshake reads nothing else)", () => {
    const theirs = deserializeChannelMsg(JSON.parse(ok(encodeJson(request))));
    expect(theirs.type).toBe("channel/establish-request");
    expect(theirs.type === "channel/establish-request" && theirs.identity).toEqual(identity);
  });

  it("malformed extensions are rejected by the strict decoder with a path", () => {
    const bad = [
      { ...request, resume: { session: "" } },
      { ...request, resume: { session: "x".repeat(65) } },
      { ...request, resume: { session: "s", known: "all" } },
      {
        ...request,
        resume: {
          session: "s",
          known: Array.from({ length: 17 }, () => ({ session: "a", digest: "b" })),
        },
      },
      { ...response, resume: { session: "s", accepted: "yes" } },
    ];
    for (const msg of bad) {
      const r = decodeChannelMsg(msg);
      expect(isLeft(r)).toBe(true);
    }
    // Absent, null and undefined mean no extension (spec §4.15).
    expect(isRight(decodeChannelMsg({ ...request, resume: null }))).toBe(true);
  });
});
