/**
 * One presence store's bookkeeping (spec §8, D-4, D-5): what counts as a refresh, silent expiry,
 * stale copies, tombstones, departure. Loro's clock (`Date.now`) is set by hand: it only orders
 * writes (loro's last-writer-wins); expiry is measured on the `now` we pass.
 */
import { EphemeralStoreWasm } from "loro-crdt";
import { PresenceRoom } from "../../../streams/presence/presence-room.js";
import { keysIn } from "./helpers.js";

let wallClock = 1_000_000;
beforeEach(() => {
  jest.spyOn(Date, "now").mockImplementation(() => wallClock);
});
afterEach(() => jest.restoreAllMocks());

/** What peer `key` would send: its own store with its entry, encoded whole. */
const payloadOf = (entries: Record<string, unknown>, deleted: string[] = []): Uint8Array => {
  const store = new EphemeralStoreWasm(2_147_483_647);
  for (const [key, value] of Object.entries(entries)) store.set(key, value);
  for (const key of deleted) store.delete(key);
  const data = store.encodeAll();
  store.free();
  return data;
};

const TIMEOUT = 30_000;

describe("PresenceRoom", () => {
  let room: PresenceRoom;
  beforeEach(() => {
    room = new PresenceRoom("me");
  });
  afterEach(() => room.free());

  it("a first entry is a change and a refresh; the same bytes again are neither", () => {
    const data = payloadOf({ b: { x: 1 } });
    expect(room.apply(data, "b", "b", 0)).toEqual({ changed: true, refreshed: true });
    // Re-sent by a third peer: a copy of what we hold, not news.
    expect(room.apply(data, "hub", "hub", 5_000)).toEqual({ changed: false, refreshed: false });
    expect(room.nextDeadline(TIMEOUT)).toBe(30_000);
    // Re-sent by its owner: the owner is alive, whatever the stamps.
    expect(room.apply(data, "b", "hub", 6_000)).toEqual({ changed: false, refreshed: true });
    expect(room.nextDeadline(TIMEOUT)).toBe(36_000);
  });

  it("a re-stamp with the same value refreshes without being a change", () => {
    room.apply(payloadOf({ b: 1 }), "b", "b", 0);
    wallClock += 10_000;
    expect(room.apply(payloadOf({ b: 1 }), "hub", "hub", 10_000)).toEqual({
      changed: false,
      refreshed: true,
    });
  });

  it("expiry drops foreign entries silently (no tombstone in the encoding) and never our own", () => {
    room.setOwn("mine");
    room.apply(payloadOf({ b: 1, c: 2 }), "hub", "hub", 0);
    room.apply(payloadOf({ c: 2 }), "c", "hub", 10_000);
    expect(room.sweep(29_999, TIMEOUT)).toBe(false);
    expect(room.sweep(30_000, TIMEOUT)).toBe(true);
    expect([...room.peers().keys()]).toEqual(["c"]);
    expect(room.get("me")).toBe("mine");
    // The encoding is exactly me and c: b left no tombstone to spread.
    const fresh = new EphemeralStoreWasm(2_147_483_647);
    fresh.set("b", "alive elsewhere");
    fresh.apply(room.encodeAll());
    expect(fresh.get("b")).toBe("alive elsewhere");
    fresh.free();
    expect(keysIn(room.encodeAll())).toEqual(["c", "me"]);
  });

  it("a stale copy of an expired entry does not bring it back; a newer one does", () => {
    const old = payloadOf({ b: "last words" });
    room.apply(old, "b", "b", 0);
    room.sweep(30_000, TIMEOUT);
    expect(room.apply(old, "c", "c", 31_000)).toEqual({ changed: false, refreshed: false });
    expect(room.peers().size).toBe(0);
    wallClock += 40_000;
    expect(room.apply(payloadOf({ b: "back" }), "c", "c", 40_000).changed).toBe(true);
    expect(room.peers()).toEqual(new Map([["b", "back"]]));
  });

  it("entries for our own key are ignored: we are their only writer", () => {
    room.setOwn("now");
    wallClock += 1_000;
    expect(room.apply(payloadOf({ me: "echo from the past" }), "hub", "hub", 0).changed).toBe(
      false,
    );
    expect(room.get("me")).toBe("now");
  });

  it("a newer foreign copy of our key, or a tombstone for it, never replaces our entry", () => {
    room.setOwn("mine");
    wallClock += 5_000;
    expect(room.apply(payloadOf({ me: "impostor" }), "x", "x", 0).changed).toBe(false);
    expect(room.get("me")).toBe("mine");
    wallClock += 5_000;
    const tombstone = payloadOf({}, ["me"]);
    wallClock += 1;
    expect(room.apply(tombstone, "x", "x", 0).changed).toBe(false);
    expect(room.get("me")).toBe("mine");
    // What we send still says "mine", stamped after the impostor's write.
    const fresh = new EphemeralStoreWasm(2_147_483_647);
    fresh.apply(tombstone);
    fresh.apply(room.encodeAll());
    expect(fresh.get("me")).toBe("mine");
    fresh.free();
    // Without an entry of ours, a foreign one is dropped rather than adopted.
    const other = new PresenceRoom("me");
    other.apply(payloadOf({ me: "impostor", b: 1 }), "b", "b", 0);
    expect(other.get("me")).toBeUndefined();
    expect(keysIn(other.encodeAll())).toEqual(["b"]);
    other.free();
  });

  it("peers() keeps its map object until a foreign value really changes", () => {
    room.apply(payloadOf({ c: 1, b: 2 }), "hub", "hub", 0);
    const first = room.peers();
    expect([...first.keys()]).toEqual(["b", "c"]);
    room.setOwn("mine");
    wallClock += 1_000;
    room.apply(payloadOf({ b: 2 }), "b", "hub", 1_000); // a re-stamp, same value
    expect(room.peers()).toBe(first);
    wallClock += 1_000;
    room.apply(payloadOf({ b: 3 }), "b", "hub", 2_000);
    const second = room.peers();
    expect(second).not.toBe(first);
    expect(second).toEqual(
      new Map([
        ["b", 3],
        ["c", 1],
      ]),
    );
    expect(first).toEqual(
      new Map([
        ["b", 2],
        ["c", 1],
      ]),
    ); // handed-out maps never change
    room.apply(payloadOf({ a: 0 }), "a", "hub", 3_000);
    expect([...room.peers().keys()]).toEqual(["a", "b", "c"]);
  });

  it("a tombstone deletes a key we hold; tombstones of keys we never held are not kept", () => {
    room.apply(payloadOf({ b: 1 }), "b", "b", 0);
    wallClock += 1_000;
    const bLeft = payloadOf({}, ["b"]);
    expect(room.apply(bLeft, "b", "b", 1_000)).toEqual({ changed: true, refreshed: false });
    expect(room.peers().size).toBe(0);
    const other = new PresenceRoom("me");
    other.apply(payloadOf({}, ["zombie"]), "x", "x", 0);
    expect(other.encodeAll()).toEqual(new Uint8Array([0]));
    expect(other.idle).toBe(true);
    other.free();
  });

  it("tombstones travel for one timeout, then are purged", () => {
    room.setOwn("x");
    expect(room.deleteOwn(1_000)).toBe(true);
    const withTombstone = room.encodeAll().length;
    expect(withTombstone).toBeGreaterThan(1);
    room.sweep(31_000, TIMEOUT);
    expect(room.encodeAll()).toEqual(new Uint8Array([0]));
  });

  it("departure: the peer's key becomes a tombstone; keys only it brought go silently, others stay", () => {
    room.apply(payloadOf({ hub: "h", b: "b", c: "c" }), "hub", "hub", 0);
    room.apply(payloadOf({ c: "c" }), "c", "c", 0);
    expect(room.departed("hub", 1_000)).toEqual({ tombstoned: true, changed: true });
    expect([...room.peers().keys()]).toEqual(["c"]);
  });

  it("touchOwn re-stamps only our entry, once per instant", () => {
    room.setOwn("x");
    room.apply(payloadOf({ b: 1 }), "b", "b", 0);
    const before = room.encodeAll();
    wallClock += 5;
    room.touchOwn(10);
    const touched = room.encodeAll();
    expect(touched).not.toEqual(before);
    wallClock += 5;
    room.touchOwn(10);
    expect(room.encodeAll()).toBe(touched);
    // b's entry is byte-for-byte what b sent.
    const b = new EphemeralStoreWasm(2_147_483_647);
    b.apply(touched);
    const original = new EphemeralStoreWasm(2_147_483_647);
    original.apply(before);
    expect(b.encode("b")).toEqual(original.encode("b"));
    b.free();
    original.free();
  });

  it("garbage bytes throw (a string, as loro does) and change nothing", () => {
    room.setOwn("x");
    expect(() => room.apply(new Uint8Array([5, 1, 2]), "b", "b", 0)).toThrow();
    expect(keysIn(room.encodeAll())).toEqual(["me"]);
  });
});
