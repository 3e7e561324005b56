/**
 * The reader of loro's ephemeral encoding (bookkeeping only; loro applies every payload) must
 * return exactly what loro's `get` returns, or nothing: a value it reads wrong would make a
 * presence room report changes loro's store never made.
 */
import fc from "fast-check";
import { EphemeralStoreWasm } from "loro-crdt";
import { readEphemeral } from "../../../streams/presence/ephemeral-reader.js";
import { PresenceRoom } from "../../../streams/presence/presence-room.js";
import { fcSeed } from "../../protocol/fc-seed.js";

const seed = fcSeed("test/streams/presence/ephemeral-reader.test.ts");
const TIMERLESS = 2_147_483_647;

const loroValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.string(),
    fc.string({ unit: "grapheme" }),
    fc.uint8Array({ maxLength: 8 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("readEphemeral", () => {
  it("reads every entry as loro's get returns it, or gives up", () => {
    let read = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: "grapheme", maxLength: 8 }), fc.option(loroValue)), {
          maxLength: 4,
        }),
        (writes) => {
          const store = new EphemeralStoreWasm(TIMERLESS);
          try {
            for (const [key, value] of writes) {
              if (value === null) store.delete(key);
              else store.set(key, value);
            }
            const entries = readEphemeral(store.encodeAll());
            if (entries === undefined) return; // loro's path takes it
            read++;
            expect(entries.map((e) => e.key).sort()).toEqual(
              [...new Set(writes.map(([key]) => key))].sort(),
            );
            for (const entry of entries) {
              expect(entry.live).toBe(store.get(entry.key) !== undefined);
              if (entry.live) expect(entry.value).toStrictEqual(store.get(entry.key));
            }
          } finally {
            store.free();
          }
        },
      ),
      { seed, numRuns: 300 },
    );
    expect(read).toBeGreaterThan(200); // the reader takes ordinary values
  });

  it("reads the writer's timestamp and tombstones", () => {
    const now = jest.spyOn(Date, "now").mockReturnValue(1_700_000_000_123);
    const store = new EphemeralStoreWasm(TIMERLESS);
    store.set("a", { x: 1 });
    store.set("b", 2);
    store.delete("b");
    const entries = readEphemeral(store.encodeAll());
    store.free();
    now.mockRestore();
    expect(entries?.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: "a", value: { x: 1 }, live: true, timestamp: 1_700_000_000_123 },
      { key: "b", value: undefined, live: false, timestamp: 1_700_000_000_123 },
    ]);
  });

  it("gives up on what it cannot read exactly: big integers, truncated or trailing bytes", () => {
    const store = new EphemeralStoreWasm(TIMERLESS);
    store.set("k", 2 ** 60);
    expect(readEphemeral(store.encodeAll())).toBeUndefined();
    store.set("k", { __proto__: null, a: 1 });
    const good = store.encodeAll();
    store.free();
    expect(readEphemeral(good)).toBeDefined();
    expect(readEphemeral(good.subarray(0, good.length - 1))).toBeUndefined();
    expect(readEphemeral(Uint8Array.from([...good, 0]))).toBeUndefined();
    expect(readEphemeral(Uint8Array.of(0xff))).toBeUndefined();
  });
});

describe("PresenceRoom with payloads the reader does not take", () => {
  const payload = (key: string, value: unknown): Uint8Array => {
    const store = new EphemeralStoreWasm(TIMERLESS);
    store.set(key, value);
    const data = store.encode(key);
    store.free();
    return data;
  };

  it("loro's path applies them, and readable payloads after them still count", () => {
    let wall = 1_000_000;
    jest.spyOn(Date, "now").mockImplementation(() => wall);
    const room = new PresenceRoom("me");
    try {
      expect(room.apply(payload("a", 2 ** 60), "a", "a", 0)).toEqual({
        changed: true,
        refreshed: true,
      });
      expect(room.peers().get("a")).toBe(2 ** 60);
      wall += 1;
      expect(room.apply(payload("a", { v: 1 }), "a", "a", 1).changed).toBe(true);
      expect(room.peers().get("a")).toEqual({ v: 1 });
      wall += 1;
      expect(room.apply(payload("b", 3), "b", "b", 2).changed).toBe(true);
      // An older copy of a's entry is not applied: no change, still a refresh (its owner sent it).
      const old = payload("a", { v: 0 });
      wall += 1;
      expect(room.apply(payload("a", { v: 2 }), "a", "a", 3).changed).toBe(true);
      expect(room.apply(old, "a", "a", 4)).toEqual({ changed: false, refreshed: true });
      expect(room.peers().get("a")).toEqual({ v: 2 });
      expect([...room.peers().keys()]).toEqual(["a", "b"]);
    } finally {
      room.free();
      jest.restoreAllMocks();
    }
  });
});
