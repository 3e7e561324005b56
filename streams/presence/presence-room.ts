/**
 * One presence store, for one (doc, namespace): loro's `EphemeralStoreWasm` plus the bookkeeping
 * loro cannot do for us on an injected clock (spec §8, deviations D-4 and D-5).
 *
 * Loro stamps every entry with its writer's `Date.now()` and merges last-writer-wins; that stays
 * loro's business and our timers never read those stamps. What we track, in the scheduler's
 * time, is when each foreign entry was last *refreshed* here:
 * - an entry is refreshed when a payload changes it in our store (a newer stamp or value), or
 *   when the payload was encoded by the entry's owner itself (directly or relayed one hop);
 * - a copy of an entry we already hold, re-sent by a third peer, is not a refresh. Otherwise two
 *   peers that both re-encode their whole store would keep a departed peer alive forever.
 *
 * Foreign entries not refreshed for the timeout are dropped silently: the store is rebuilt
 * without them, so no tombstone is ever written, let alone broadcast, for a foreign key. The
 * exact bytes of a dropped entry are remembered for one more timeout, so a stale copy still
 * travelling between other peers does not bring it back. Own entries never expire.
 *
 * Tombstones (our own `delete`, a departed peer's key, deletions learned from peers) are kept
 * for one timeout, long enough to travel, then purged, so the encoding does not grow with every
 * peer that ever passed through.
 */
import { EphemeralStoreWasm } from "loro-crdt";
import type { PeerId } from "../../src/protocol/messages.js";
import { equalBytes, equalValues } from "./equal-values.js";

/** Stores are "timerless" as in the reference (§8.7): loro's own clock never expires anything. */
export const TIMERLESS_TIMEOUT_MS = 2_147_483_647;

/** What applying one payload did. */
export interface ApplyOutcome {
  /** A value appeared, changed or disappeared (not a mere re-stamp). */
  readonly changed: boolean;
  /** Some foreign entry was refreshed: the registry re-arms its expiry timer. */
  readonly refreshed: boolean;
}

export class PresenceRoom {
  private store = new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS);
  /** `encodeAll()` until the next change: a heartbeat sends the same bytes to every channel. */
  private encoded: Uint8Array | undefined;
  /** Foreign live keys → scheduler time of their last refresh. */
  private readonly refreshedAt = new Map<string, number>();
  /** Foreign live keys → the peers whose channels delivered them (D-5 departure). */
  private readonly via = new Map<string, Set<PeerId>>();
  /** Deleted keys whose tombstone we still carry → when they were deleted. */
  private readonly tombstones = new Map<string, number>();
  /** Expired entries → their bytes and when they expired. */
  private readonly expired = new Map<string, { readonly bytes: Uint8Array; readonly at: number }>();
  private touchedAt: number | undefined;
  /** JS copies of the store's values (see `peers`), and the keys written since they were read. */
  private values: Map<string, unknown> | undefined;
  private readonly written = new Set<string>();
  /** The application asked for this namespace: keep it even when empty. */
  declared = false;

  constructor(private readonly own: PeerId) {}

  get<V>(key: string): V | undefined {
    return this.store.get(key) as V | undefined;
  }

  /**
   * Every live entry except ours, sorted by key. Values are cached on the JS side and refreshed
   * only for keys written since the last call: reading every entry out of wasm on each change made
   * a room of K peers cost K reads per delivered change (37 % of W3 in profiles).
   */
  peers<V>(): Map<PeerId, V> {
    if (this.values === undefined) {
      this.values = new Map();
      for (const key of this.store.keys()) this.values.set(key, this.store.get(key));
    } else {
      for (const key of this.written) {
        const value: unknown = this.store.get(key);
        if (value === undefined) this.values.delete(key);
        else this.values.set(key, value);
      }
    }
    this.written.clear();
    const out = new Map<PeerId, V>();
    for (const key of [...this.values.keys()].sort()) {
      if (key !== this.own) out.set(key, this.values.get(key) as V);
    }
    return out;
  }

  /** Our own entry alone (or its tombstone): what a local change needs to send. */
  encodeOwn(): Uint8Array {
    return this.store.encode(this.own);
  }

  encodeAll(): Uint8Array {
    this.encoded ??= this.store.encodeAll();
    return this.encoded;
  }

  setOwn(value: unknown): void {
    this.store.set(this.own, value);
    this.written.add(this.own);
    this.tombstones.delete(this.own);
    this.encoded = undefined;
  }

  /** Deletes our entry; the tombstone travels with the next encodings. */
  deleteOwn(now: number): boolean {
    if (this.store.get(this.own) === undefined) return false;
    this.store.delete(this.own);
    this.written.add(this.own);
    this.tombstones.set(this.own, now);
    this.encoded = undefined;
    return true;
  }

  /** Re-stamps our entry (D-4: never anyone else's), at most once per instant. */
  touchOwn(now: number): void {
    if (this.touchedAt === now) return;
    const value: unknown = this.store.get(this.own);
    if (value === undefined) return;
    this.store.set(this.own, value);
    this.written.add(this.own);
    this.touchedAt = now;
    this.encoded = undefined;
  }

  /**
   * Applies a payload encoded by `encoder`, received from peer `from`. Entries for our own key
   * are ignored (we are their only writer); tombstones count only for keys we hold.
   * Throws (a string, as loro does) when the bytes are not a loro ephemeral encoding.
   */
  apply(data: Uint8Array, encoder: PeerId, from: PeerId | undefined, now: number): ApplyOutcome {
    const scratch = new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS);
    try {
      scratch.apply(data);
      let changed = false;
      let refreshed = false;
      const incoming = new Set(scratch.keys());
      for (const key of incoming) {
        if (key === this.own) continue;
        const bytes = scratch.encode(key);
        const byOwner = encoder === key;
        const grave = this.expired.get(key);
        if (grave !== undefined && !byOwner && equalBytes(grave.bytes, bytes)) continue;
        const before = this.store.encode(key);
        const old: unknown = this.store.get(key);
        this.store.apply(bytes);
        this.written.add(key);
        const live = this.store.get(key) !== undefined;
        if (!live) continue; // our tombstone is newer
        const updated = !equalBytes(before, this.store.encode(key));
        if (updated) {
          this.encoded = undefined;
          if (!equalValues(old, this.store.get(key))) changed = true;
        }
        if (updated || byOwner) {
          this.refreshedAt.set(key, now);
          this.expired.delete(key);
          this.tombstones.delete(key);
          refreshed = true;
        }
        if (from !== undefined) {
          const peers = this.via.get(key);
          if (peers === undefined) this.via.set(key, new Set([from]));
          else peers.add(from);
        }
      }
      // The encoding starts with its entry count (§8.2); when every entry is a live key, the
      // payload holds no tombstone and our other keys need no check (O(1) instead of O(keys)
      // per payload: a room of K peers otherwise costs K² encodes per round).
      const entries = leb128(data);
      for (const key of entries === incoming.size ? [] : this.store.keys()) {
        if (key === this.own || incoming.has(key)) continue;
        const tombstone = scratch.encode(key);
        if (tombstone.length <= 1) continue; // not in the payload at all
        this.store.apply(tombstone);
        this.written.add(key);
        if (this.store.get(key) !== undefined) continue; // our entry is newer
        this.forgetKey(key);
        this.tombstones.set(key, now);
        this.encoded = undefined;
        changed = true;
      }
      return { changed, refreshed };
    } finally {
      scratch.free();
    }
  }

  /** Drops a foreign key locally and silently (a removal signal, §8.7 D-5). */
  dropSilently(key: string): boolean {
    if (key === this.own || this.store.get(key) === undefined) return false;
    this.rebuildWithout(new Set([key]));
    return true;
  }

  /**
   * A peer's last channel closed. Its own key is deleted with a tombstone, as the reference does
   * (§8.7, so reference peers drop it too); keys only that peer's channel brought are dropped
   * silently (D-5). Returns whether a tombstone was written (to broadcast) and whether any
   * value disappeared.
   */
  departed(peerId: PeerId, now: number): { tombstoned: boolean; changed: boolean } {
    let tombstoned = false;
    if (peerId !== this.own && this.store.get(peerId) !== undefined) {
      this.store.delete(peerId);
      this.written.add(peerId);
      this.forgetKey(peerId);
      this.tombstones.set(peerId, now);
      this.encoded = undefined;
      tombstoned = true;
    }
    const orphans = new Set<string>();
    for (const [key, peers] of this.via) {
      peers.delete(peerId);
      if (peers.size > 0) continue;
      this.via.delete(key);
      if (this.store.get(key) !== undefined) orphans.add(key);
    }
    if (orphans.size > 0) this.rebuildWithout(orphans);
    return { tombstoned, changed: tombstoned || orphans.size > 0 };
  }

  /**
   * Drops foreign entries not refreshed for `timeoutMs`, and purges tombstones and expiry
   * memories older than that. Returns whether a value disappeared.
   */
  sweep(now: number, timeoutMs: number): boolean {
    const drop = new Set<string>();
    for (const [key, at] of this.refreshedAt) {
      if (now - at < timeoutMs) continue;
      drop.add(key);
      this.expired.set(key, { bytes: this.store.encode(key), at: now });
    }
    for (const [key, at] of this.tombstones) if (now - at >= timeoutMs) drop.add(key);
    for (const [key, { at }] of this.expired) {
      if (now - at >= timeoutMs && !drop.has(key)) this.expired.delete(key);
    }
    if (drop.size === 0) return false;
    const changed = [...drop].some((key) => this.store.get(key) !== undefined);
    this.rebuildWithout(drop);
    return changed;
  }

  /** The earliest time at which `sweep` has something to do. */
  nextDeadline(timeoutMs: number): number | undefined {
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of this.refreshedAt.values()) earliest = Math.min(earliest, at + timeoutMs);
    for (const at of this.tombstones.values()) earliest = Math.min(earliest, at + timeoutMs);
    for (const { at } of this.expired.values()) earliest = Math.min(earliest, at + timeoutMs);
    return earliest === Number.POSITIVE_INFINITY ? undefined : earliest;
  }

  /** Nothing to send, nothing to remember, nobody asked for it: the registry may drop it. */
  get idle(): boolean {
    return (
      !this.declared &&
      this.store.keys().length === 0 &&
      this.tombstones.size === 0 &&
      this.expired.size === 0
    );
  }

  free(): void {
    this.store.free();
  }

  private forgetKey(key: string): void {
    this.refreshedAt.delete(key);
    this.via.delete(key);
  }

  /**
   * Loro has no way to remove an entry without a tombstone, so a silent removal copies every
   * other entry, stamps untouched, into a fresh store.
   */
  private rebuildWithout(keys: ReadonlySet<string>): void {
    const next = new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS);
    for (const key of this.store.keys()) if (!keys.has(key)) next.apply(this.store.encode(key));
    for (const key of this.tombstones.keys()) {
      if (!keys.has(key)) next.apply(this.store.encode(key));
    }
    this.store.free();
    this.store = next;
    this.values = undefined;
    this.encoded = undefined;
    for (const key of keys) {
      this.forgetKey(key);
      this.tombstones.delete(key);
    }
  }
}

/** The unsigned LEB128 integer at the start of `bytes` (−1 when malformed). */
const leb128 = (bytes: Uint8Array): number => {
  let value = 0;
  for (let i = 0, shift = 0; i < bytes.length && i < 5; i++, shift += 7) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  return -1;
};
