/** Fragment reassembly limits of spec §13.3, driven by explicit `now` values. */
import { type Either, isLeft, isRight } from "fp-ts/lib/Either.js";
import {
  type FragmentError,
  FragmentReassembler,
  parseTransportPayload,
  splitFrame,
} from "../../../src/protocol/wire/index.js";
import { hex, toHexString } from "./helpers.js";

const id = (n: number): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(4, n);
  return out;
};
const frameOf = (size: number, seed = 1): Uint8Array =>
  new Uint8Array(size).map((_, i) => (i * 31 + seed) & 0xff);

const lefts = (outs: Array<Either<FragmentError, Uint8Array>>): FragmentError[] =>
  outs.flatMap((o) => (isLeft(o) ? [o.left] : []));
const rights = (outs: Array<Either<FragmentError, Uint8Array>>): Uint8Array[] =>
  outs.flatMap((o) => (isRight(o) ? [o.right] : []));

const feed = (r: FragmentReassembler, payloads: Uint8Array[], now = 0) =>
  payloads.flatMap((p) => r.receive(p, now));

describe("splitFrame", () => {
  it("lays out header and data fragments as spec §13.3 says", () => {
    const payloads = splitFrame(hex("0102030405"), 2, hex("1122334455667788"));
    expect(payloads.map(toHexString)).toEqual([
      "01112233445566778800000003" + "00000005",
      "02112233445566778800000000" + "0102",
      "02112233445566778800000001" + "0304",
      "02112233445566778800000002" + "05",
    ]);
  });

  it("does not split at or below the threshold, nor when it is 0", () => {
    expect(splitFrame(hex("0102"), 2, id(1)).map(toHexString)).toEqual(["000102"]);
    expect(splitFrame(hex("010203"), 0, id(1)).map(toHexString)).toEqual(["00010203"]);
  });

  it("refuses a batch id that is not 8 bytes (a programming error)", () => {
    expect(() => splitFrame(hex("010203"), 1, new Uint8Array(4))).toThrow(RangeError);
  });
});

describe("parse errors", () => {
  it.each([
    ["empty", "", "truncated_header"],
    ["short header", "01 1122334455667788 000000", "truncated_header"],
    ["zero count", "01 1122334455667788 00000000 00000010", "invalid_count"],
    ["data without chunk", "02 1122334455667788 00000000", "truncated_data"],
    ["unknown prefix", "03 00", "unknown_prefix"],
  ])("%s → %s", (_name, bytes, code) => {
    const parsed = parseTransportPayload(hex(bytes));
    expect(isLeft(parsed) && parsed.left.code).toBe(code);
    expect(lefts(new FragmentReassembler().receive(hex(bytes), 0)).map((e) => e.code)).toEqual([
      code,
    ]);
  });
});

describe("FragmentReassembler", () => {
  it("rebuilds a frame and delivers complete payloads while batches are in progress", () => {
    const r = new FragmentReassembler();
    const frame = frameOf(1000);
    const [header, ...data] = splitFrame(frame, 300, id(1));
    expect(feed(r, [header!, data[0]!])).toEqual([]);
    expect(rights(r.receive(hex("00 0102"), 1))).toEqual([hex("0102")]);
    expect(r.pendingBatches).toBe(1);
    const outs = feed(r, data.slice(1), 2);
    expect(rights(outs)).toEqual([frame]);
    expect(r.pendingBatches).toBe(0);
    expect(r.pendingBytes).toBe(0);
  });

  it("ignores a repeated header and data for unknown batches", () => {
    const r = new FragmentReassembler();
    const frame = frameOf(10);
    const [header, a, b] = splitFrame(frame, 5, id(1));
    const [, stray] = splitFrame(frame, 5, id(2));
    expect(feed(r, [header!, a!, header!, stray!])).toEqual([]);
    expect(rights(feed(r, [b!]))).toEqual([frame]);
  });

  it("reports duplicate and out-of-range fragments and keeps the batch", () => {
    const r = new FragmentReassembler();
    const frame = frameOf(10);
    const [header, a, b] = splitFrame(frame, 5, id(1));
    const outOfRange = splitFrame(frameOf(15), 5, id(1))[3]!;
    const outs = feed(r, [header!, a!, a!, outOfRange]);
    expect(lefts(outs)).toEqual([
      expect.objectContaining({
        code: "duplicate_fragment",
        index: 0,
        batchId: "0000000000000001",
      }),
      expect.objectContaining({ code: "invalid_index", index: 2, batchId: "0000000000000001" }),
    ]);
    expect(rights(feed(r, [b!]))).toEqual([frame]);
  });

  it("reports size_mismatch when the chunks do not add up to totalSize", () => {
    const r = new FragmentReassembler();
    const [header, a, b] = splitFrame(frameOf(10), 5, id(1));
    header![16] = 11; // totalSize 10 → 11
    const outs = feed(r, [header!, a!, b!]);
    expect(lefts(outs)).toEqual([
      expect.objectContaining({ code: "size_mismatch", expected: 11, actual: 10 }),
    ]);
    expect(r.pendingBatches).toBe(0);
  });

  it("times a batch out after 10 s, by expire() or on the next receive", () => {
    const r = new FragmentReassembler();
    const [h1, a1] = splitFrame(frameOf(10), 5, id(1));
    const [h2, a2] = splitFrame(frameOf(10), 5, id(2));
    feed(r, [h1!, a1!], 1000);
    feed(r, [h2!, a2!], 5000);
    expect(r.nextDeadline()).toBe(11_000);
    expect(r.expire(10_999)).toEqual([]);
    expect(r.expire(11_000)).toEqual([
      expect.objectContaining({ code: "timeout", batchId: "0000000000000001" }),
    ]);
    expect(r.nextDeadline()).toBe(15_000);
    // No expire() call: the late fragment itself finds its batch gone.
    const late = splitFrame(frameOf(10), 5, id(2))[2]!;
    const outs = r.receive(late, 15_000);
    expect(outs).toEqual([{ _tag: "Left", left: expect.objectContaining({ code: "timeout" }) }]);
    expect(r.pendingBatches).toBe(0);
    expect(r.nextDeadline()).toBeUndefined();
  });

  it("keeps at most 32 batches, evicting the oldest", () => {
    const r = new FragmentReassembler();
    for (let i = 0; i < 32; i++)
      expect(feed(r, [splitFrame(frameOf(10), 5, id(i))[0]!], i)).toEqual([]);
    const outs = feed(r, [splitFrame(frameOf(10), 5, id(32))[0]!], 32);
    expect(lefts(outs)).toEqual([
      expect.objectContaining({ code: "evicted", batchId: "0000000000000000" }),
    ]);
    expect(r.pendingBatches).toBe(32);
    // A flood of headers never grows past the limit.
    for (let i = 33; i < 1000; i++) feed(r, [splitFrame(frameOf(10), 5, id(i))[0]!], i);
    expect(r.pendingBatches).toBe(32);
  });

  it("holds at most 50 MiB, evicting the oldest batches (spec byte count)", () => {
    const r = new FragmentReassembler({ perFragmentOverhead: 0 });
    const MiB = 1024 * 1024;
    // Six batches of 20 MiB announced, 9 MiB of each sent: the 6th pushes past 50 MiB.
    const batches = Array.from({ length: 6 }, (_, i) =>
      splitFrame(new Uint8Array(20 * MiB), MiB, id(i)),
    );
    const outs: Array<Either<FragmentError, Uint8Array>> = [];
    for (const [i, payloads] of batches.entries()) {
      outs.push(...feed(r, [payloads[0]!], i));
      for (let k = 1; k <= 9; k++) outs.push(...feed(r, [payloads[k]!], i));
    }
    expect(lefts(outs)).toEqual([
      expect.objectContaining({ code: "evicted", batchId: "0000000000000000" }),
    ]);
    expect(r.pendingBytes).toBe(45 * MiB);
    expect(r.pendingBytes).toBeLessThanOrEqual(50 * MiB);
  });

  it("reports evicted for the current batch when it is the oldest", () => {
    const r = new FragmentReassembler({ maxBytes: 100, perFragmentOverhead: 0 });
    const payloads = splitFrame(frameOf(300), 60, id(7));
    const outs = feed(r, payloads);
    expect(lefts(outs)).toEqual([
      expect.objectContaining({ code: "evicted", batchId: "0000000000000007" }),
    ]);
    expect(r.pendingBatches).toBe(0);
    expect(r.pendingBytes).toBe(0);
  });

  it("bounds a flood of one-byte fragments by their bookkeeping cost too", () => {
    const r = new FragmentReassembler({ maxBytes: 64 * 1024 });
    const payloads = splitFrame(frameOf(5000), 1, id(1));
    const outs = feed(r, payloads);
    expect(lefts(outs).map((e) => e.code)).toEqual(["evicted"]);
    expect(r.pendingBytes).toBe(0);
  });

  it("rejects every payload after dispose", () => {
    const r = new FragmentReassembler();
    feed(r, [splitFrame(frameOf(10), 5, id(1))[0]!]);
    r.dispose();
    expect(r.pendingBatches).toBe(0);
    expect(r.nextDeadline()).toBeUndefined();
    expect(lefts(r.receive(hex("00 01"), 0)).map((e) => e.code)).toEqual(["disposed"]);
  });
});
