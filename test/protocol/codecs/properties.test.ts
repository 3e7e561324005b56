import fc from "fast-check";
import { isLeft, isRight, right } from "fp-ts/lib/Either.js";
import { ChannelMsgC, decodeChannelMsg, decodeInbound } from "../../../src/protocol/codecs.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { batchableMsgArb, channelMsgArb } from "../arbitraries.js";
import { fcSeed } from "../fc-seed.js";

const seed = fcSeed("test/protocol/codecs/properties.test.ts");
const numRuns = 1000;

/** Every key or index reachable in a message, bytes excluded. */
const pathsOf = (
  value: unknown,
  prefix: readonly (string | number)[] = [],
): (string | number)[][] => {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return [];
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, i) => i)
    : Object.keys(value);
  return keys.flatMap((k) => {
    const path = [...prefix, k];
    return [path, ...pathsOf((value as Record<string | number, unknown>)[k], path)];
  });
};

/** A valid message with one value somewhere inside replaced by anything at all. */
const corruptedArb: fc.Arbitrary<unknown> = fc
  .tuple(channelMsgArb, fc.nat(), fc.anything())
  .map(([msg, n, junk]) => {
    const copy: unknown = structuredClone(msg);
    const paths = pathsOf(copy);
    const path = paths[n % paths.length];
    if (path === undefined) return copy;
    let parent = copy as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1] as string | number] = junk;
    return copy;
  });

const anythingArb = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Decoding never throws; it fails readably or returns a fixed point of decoding. */
const checkTotal = (input: unknown): void => {
  const r = decodeChannelMsg(input);
  if (isLeft(r)) {
    expect(r.left.message.startsWith(`${r.left.path}: `)).toBe(true);
    expect(r.left.message.length).toBeLessThan(4 * 1024);
  } else {
    expect(decodeChannelMsg(r.right)).toStrictEqual(right(r.right));
  }
  const inbound = decodeInbound(input);
  expect(inbound.errors.length === 0).toBe(isRight(r));
  if (isRight(r)) expect(inbound.messages).toStrictEqual([r.right]);
};

describe("decoding is total", () => {
  test("fc.anything() never throws", () => {
    fc.assert(fc.property(anythingArb, checkTotal), { seed, numRuns });
  });

  test("fc.jsonValue() never throws", () => {
    fc.assert(fc.property(fc.jsonValue(), checkTotal), { seed, numRuns });
  });

  test("valid messages with one corrupted value never throw", () => {
    fc.assert(fc.property(corruptedArb, checkTotal), { seed, numRuns });
  });
});

describe("canonical messages decode to themselves", () => {
  test("every message type", () => {
    fc.assert(
      fc.property(channelMsgArb, (msg) => {
        expect(decodeChannelMsg(msg)).toStrictEqual(right(msg));
        expect(ChannelMsgC.is(msg)).toBe(true);
      }),
      { seed, numRuns },
    );
  });

  const KNOWN_KEYS = new Set([
    "type",
    "identity",
    "docId",
    "docIds",
    "requesterDocVersion",
    "bidirectional",
    "ephemeral",
    "transmission",
    "status",
    "hopsRemaining",
    "stores",
    "messages",
  ]);
  const extraArb = fc.dictionary(
    fc.string().filter((k) => !KNOWN_KEYS.has(k)),
    fc.anything(),
    { minKeys: 1, maxKeys: 3, noNullPrototype: true },
  );

  /** Adds unknown keys and spells absent optionals as `null` or `undefined`. */
  const noisy = (msg: ChannelMsg, extra: object, absent: null | undefined): object => {
    const out: Record<string, unknown> = { ...extra, ...msg };
    if (msg.type === "channel/sync-request" || msg.type === "channel/sync-response") {
      if (msg.ephemeral === undefined) out.ephemeral = absent;
    }
    if (msg.type === "channel/directory-request" && msg.docIds === undefined) out.docIds = absent;
    return out;
  };

  test("unknown keys and null/undefined optionals decode to the canonical message", () => {
    fc.assert(
      fc.property(
        channelMsgArb,
        extraArb,
        fc.constantFrom(null, undefined),
        (msg, extra, absent) => {
          const input = noisy(msg, extra, absent);
          expect(decodeChannelMsg(input)).toStrictEqual(right(msg));
          expect(ChannelMsgC.is(input)).toBe(false);
        },
      ),
      { seed, numRuns },
    );
  });

  test("decodeInbound keeps exactly the valid inner messages of a mixed batch", () => {
    const garbageArb = fc.oneof(
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.string().map((s) => ({ type: `channel/x-${s}` })),
      batchableMsgArb.map((m) => ({ ...m, docId: 0, docIds: 0 })),
    );
    const itemArb = fc.oneof(
      batchableMsgArb.map((m) => ({ ok: true as const, value: m })),
      garbageArb.map((g) => ({ ok: false as const, value: g })),
    );
    fc.assert(
      fc.property(fc.array(itemArb, { maxLength: 8 }), (items) => {
        const result = decodeInbound({
          type: "channel/batch",
          messages: items.map((i) => i.value),
        });
        const good = items.filter((i) => i.ok).map((i) => i.value);
        const bad = items.length - good.length;
        expect(result.errors).toHaveLength(bad);
        expect(result.messages).toStrictEqual(
          good.length > 0 || bad === 0 ? [{ type: "channel/batch", messages: good }] : [],
        );
      }),
      { seed, numRuns },
    );
  });
});
