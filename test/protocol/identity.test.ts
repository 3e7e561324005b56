import fc from "fast-check";
import { isLeft, right } from "fp-ts/lib/Either.js";
import {
  isValidLocalPeerId,
  MAX_LOCAL_PEER_ID,
  peerIdFromBytes,
  validateLocalIdentity,
} from "../../src/protocol/identity.js";
import { fcSeed } from "./fc-seed.js";

const seed = fcSeed("test/protocol/identity.test.ts");

describe("isValidLocalPeerId", () => {
  test.each(["0", "1", "42", "9007199254740993", "18446744073709551614"])("accepts %s", (s) => {
    expect(isValidLocalPeerId(s)).toBe(true);
  });

  test.each([
    ["2^64 − 1, which Loro refuses (N-33)", "18446744073709551615"],
    ["2^64", "18446744073709551616"],
    ["a huge number", "9".repeat(40)],
    ["empty", ""],
    ["leading zero", "01"],
    ["sign", "+1"],
    ["negative", "-1"],
    ["whitespace", " 1"],
    ["trailing newline", "1\n"],
    ["fraction", "1.0"],
    ["exponent", "1e3"],
    ["hex", "0x10"],
    ["letters", "remote-peer-id"],
    ["non-ASCII digits", "١٢"],
  ])("rejects %s", (_label, s) => {
    expect(isValidLocalPeerId(s)).toBe(false);
  });

  test("rejects non-strings", () => {
    expect(isValidLocalPeerId(1)).toBe(false);
    expect(isValidLocalPeerId(1n)).toBe(false);
    expect(isValidLocalPeerId(undefined)).toBe(false);
  });

  test("agrees with a BigInt reading for every u64", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        expect(isValidLocalPeerId(String(n))).toBe(n <= MAX_LOCAL_PEER_ID);
      }),
      { seed, numRuns: 500 },
    );
  });
});

describe("validateLocalIdentity", () => {
  test("accepts a complete identity and keeps only known fields", () => {
    expect(
      validateLocalIdentity({ peerId: "7", name: "alice", type: "bot", extra: 1 }),
    ).toStrictEqual(right({ peerId: "7", name: "alice", type: "bot" }));
  });

  test('fills in type "user"', () => {
    expect(validateLocalIdentity({ peerId: "7" })).toStrictEqual(
      right({ peerId: "7", type: "user" }),
    );
  });

  test.each([
    [
      { peerId: "remote-peer-id", type: "user" },
      'invalid local identity.peerId: expected a decimal integer from 0 to 18446744073709551614 without sign, leading zeros or spaces, got "remote-peer-id"',
    ],
    [
      { peerId: "18446744073709551615" },
      'invalid local identity.peerId: expected a decimal integer from 0 to 18446744073709551614 without sign, leading zeros or spaces, got "18446744073709551615"',
    ],
    [{ peerId: 7 }, "invalid local identity.peerId: expected non-empty string, got 7"],
    [
      { peerId: "7", type: "admin" },
      'invalid local identity.type: expected one of "user", "bot", "service", got "admin"',
    ],
    ["7", 'invalid local identity: expected identity object, got "7"'],
  ])("rejects %p", (input, message) => {
    const r = validateLocalIdentity(input);
    expect(isLeft(r) && r.left).toBe(message);
  });
});

describe("peerIdFromBytes", () => {
  test("reads 8 bytes big-endian as an unsigned decimal", () => {
    expect(peerIdFromBytes(new Uint8Array(8))).toBe("0");
    expect(peerIdFromBytes(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1))).toBe("1");
    expect(peerIdFromBytes(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0))).toBe("72057594037927936");
    expect(peerIdFromBytes(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0, 0))).toBe("9223372036854775808");
  });

  test("maps 2^64 − 1, which Loro refuses, to 2^64 − 2", () => {
    expect(peerIdFromBytes(new Uint8Array(8).fill(0xff))).toBe("18446744073709551614");
  });

  test("honours the view's offset and ignores bytes after the eighth", () => {
    const backing = Uint8Array.of(9, 9, 0, 0, 0, 0, 0, 0, 0, 2, 9);
    expect(peerIdFromBytes(backing.subarray(2))).toBe("2");
    expect(peerIdFromBytes(Buffer.from([0, 0, 0, 0, 0, 0, 1, 0]))).toBe("256");
  });

  test("refuses fewer than 8 bytes", () => {
    expect(() => peerIdFromBytes(new Uint8Array(7))).toThrow(RangeError);
  });

  test("always yields a valid local peerId equal to the bytes' value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const id = peerIdFromBytes(bytes);
        expect(isValidLocalPeerId(id)).toBe(true);
        const value = BigInt(`0x${Buffer.from(bytes).toString("hex")}`);
        expect(BigInt(id)).toBe(value > MAX_LOCAL_PEER_ID ? MAX_LOCAL_PEER_ID : value);
      }),
      { seed, numRuns: 500 },
    );
  });
});
