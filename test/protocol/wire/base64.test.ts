import { uint8ArrayToJSON } from "@loro-extended/repo";
import fc from "fast-check";
import { decodeBase64, encodeBase64 } from "../../../src/protocol/wire/index.js";
import { fcSeed } from "./helpers.js";

describe("base64", () => {
  const params = { seed: fcSeed("base64"), numRuns: 500 };

  it("matches Node's and the reference's encoder and round-trips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(text).toBe(uint8ArrayToJSON(bytes));
        expect(decodeBase64(text)).toEqual(bytes);
      }),
      params,
    );
  });

  it("accepts missing padding, as atob does", () => {
    expect(decodeBase64("AQI")).toEqual(Uint8Array.of(1, 2));
    expect(decodeBase64("AQ")).toEqual(Uint8Array.of(1));
    expect(decodeBase64("")).toEqual(new Uint8Array(0));
  });

  it.each(["A", "AQI=A", "A=QI", "AQ==AQ==", "AQ I=", "é===", "-_8=", "A\u0100QI="])(
    "rejects %j",
    (text) => {
      expect(decodeBase64(text)).toBeUndefined();
    },
  );
});
