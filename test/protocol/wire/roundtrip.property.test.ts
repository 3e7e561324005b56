import fc from "fast-check";
import { isRight } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  decodeFrameV1,
  decodeFrameV2,
  decodeJson,
  encodeBatchFlagFrame,
  encodeFlushV1,
  encodeFrameV1,
  encodeFrameV2,
  encodeJson,
  encodeTransportPayloads,
  FragmentReassembler,
} from "../../../src/protocol/wire/index.js";
import { batchable, message } from "./arbitraries.js";
import { fcSeed, rightOf } from "./helpers.js";

const seed = fcSeed("wire round trips");
const numRuns = 300;
const params = { seed, numRuns };

describe("round trips of random valid messages", () => {
  it("framing version 2", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(rightOf(decodeFrameV2(rightOf(encodeFrameV2(m))))).toEqual([m]);
      }),
      params,
    );
  });

  it("framing version 1", () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(rightOf(decodeFrameV1(rightOf(encodeFrameV1(m))))).toEqual([m]);
      }),
      params,
    );
  });

  it("BATCH-flag frames of both versions", () => {
    fc.assert(
      fc.property(
        // Establishment messages never travel in a batch (§4.14).
        fc.array(
          message.filter((m) => !m.type.startsWith("channel/establish-")),
          { maxLength: 4 },
        ),
        fc.constantFrom(1 as const, 2 as const),
        (ms, v) => {
          const frame = rightOf(encodeBatchFlagFrame(v, ms));
          const decoded = v === 1 ? decodeFrameV1(frame) : decodeFrameV2(frame);
          expect(rightOf(decoded)).toEqual(ms);
        },
      ),
      params,
    );
  });

  it("a version-1 flush delivers every message in order", () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (ms) => {
        const received = encodeFlushV1(ms)
          .map(rightOf)
          .flatMap((frame) => rightOf(decodeFrameV1(frame)))
          .flatMap((m) => (m.type === "channel/batch" ? (m.messages as unknown[]) : [m]));
        const sent = ms.flatMap((m): readonly ChannelMsg[] =>
          m.type === "channel/batch" ? m.messages : [m],
        );
        expect(received).toEqual(sent);
      }),
      params,
    );
  });

  it("JSON", () => {
    fc.assert(
      fc.property(message, (m) => {
        const text = rightOf(encodeJson(m));
        expect(rightOf(decodeJson(text))).toEqual(m);
        expect(rightOf(decodeJson(text))).toEqual(
          rightOf(decodeJson(JSON.stringify(JSON.parse(text)))),
        );
      }),
      params,
    );
  });

  it("fragmentation at random thresholds, data fragments in any order", () => {
    fc.assert(
      fc.property(
        message,
        fc.integer({ min: 0, max: 400 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.infiniteStream(fc.nat()),
        (m, threshold, batchId, shuffle) => {
          const payloads = rightOf(
            encodeTransportPayloads(m, { threshold, batchId: () => batchId }),
          );
          const [header, ...data] = payloads;
          const order = data.map((p, i) => ({ p, k: i === 0 ? 0 : shuffle.next().value }));
          order.sort((a, b) => a.k - b.k);
          const reassembler = new FragmentReassembler();
          const outcomes = [header, ...order.map((o) => o.p)].flatMap((p) =>
            p === undefined ? [] : reassembler.receive(p, 0),
          );
          expect(outcomes).toHaveLength(1);
          const [frame] = outcomes;
          expect(frame !== undefined && isRight(frame)).toBe(true);
          if (frame !== undefined && isRight(frame)) {
            expect(rightOf(decodeFrameV2(frame.right))).toEqual([m]);
          }
          expect(reassembler.pendingBatches).toBe(0);
          expect(reassembler.pendingBytes).toBe(0);
        },
      ),
      params,
    );
  });

  it("inner messages encoded once and spliced into later batches give the bytes of a fresh encoding", () => {
    fc.assert(
      fc.property(fc.array(batchable, { minLength: 1, maxLength: 5 }), (ms) => {
        rightOf(encodeFrameV2({ type: "channel/batch", messages: ms })); // encodes the inner ones
        const reordered = [...ms].reverse();
        const spliced = rightOf(encodeFrameV2({ type: "channel/batch", messages: reordered }));
        const fresh = rightOf(
          encodeFrameV2({ type: "channel/batch", messages: structuredClone(reordered) }),
        );
        expect(Buffer.from(spliced).equals(Buffer.from(fresh))).toBe(true);
        expect(rightOf(decodeFrameV2(spliced))).toEqual([
          { type: "channel/batch", messages: reordered },
        ]);
      }),
      params,
    );
  });

  it("batchable messages survive every encoding inside a batch", () => {
    fc.assert(
      fc.property(fc.array(batchable, { minLength: 1, maxLength: 5 }), (ms) => {
        const batch = { type: "channel/batch" as const, messages: ms };
        expect(rightOf(decodeFrameV2(rightOf(encodeFrameV2(batch))))).toEqual([batch]);
        expect(rightOf(decodeJson(rightOf(encodeJson(batch))))).toEqual(batch);
      }),
      params,
    );
  });
});
