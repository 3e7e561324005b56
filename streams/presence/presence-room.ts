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
import { type EphemeralEntry, readEphemeral } from "./ephemeral-reader.js";
import { equalBytes, equalValues } from "./equal-values.js";

/** Stores are "timerless" as in the reference (§8.7): loro's own clock never expires anything. */
export const TIMERLESS_TIMEOUT_MS = 2_147_483_647;

/**
 * Loro skips an entry older than the store's timeout by its own clock; payloads with entries
 * near that age (a writer's clock weeks behind) take loro's path, which sees what loro did.
 */
const TIMESTAMP_HORIZON_MS = TIMERLESS_TIMEOUT_MS - 86_400_000;

/** What applying one payload did. */
export interface ApplyOutcome {
  /** A value appeared, changed or disappeared (not a mere re-stamp). */
  readonly changed: boolean;
  /** Some foreign entry was refreshed: the registry re-arms its expiry timer. */
  readonly refreshed: boolean;
}

/** What loro's store reports after an `apply` (its `subscribe` listener fires synchronously). */
interface StoreEvent {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

const NO_EVENT: StoreEvent = { added: [], updated: [], removed: [] };

export class PresenceRoom {
  private store!: EphemeralStoreWasm;
  /**
   * Every key loro's store holds (live or tombstone) → the timestamp it holds for it, as read
   * from the encodings; `undefined` while not known to match the store (after a payload or a
   * store the reader does not take), until the next resync succeeds.
   */
  private stamps: Map<string, number> | undefined = new Map();
  /** `encodeAll()` until the next change: a heartbeat sends the same bytes to every channel. */
  private encoded: Uint8Array | undefined;
  /** `encode(own)` as `setOwn` made it, until our entry or the store changes otherwise. */
  private ownEncoded: Uint8Array | undefined;
  /** Foreign live keys → scheduler time of their last refresh. */
  private readonly refreshedAt = new Map<string, number>();
  /** Foreign live keys → the peers whose channels delivered them (D-5 departure). */
  private readonly via = new Map<string, Set<PeerId>>();
  /** Deleted keys whose tombstone we still carry → when they were deleted. */
  private readonly tombstones = new Map<string, number>();
  /** Expired entries → their bytes and when they expired. */
  private readonly expired = new Map<string, { readonly bytes: Uint8Array; readonly at: number }>();
  private touchedAt: number | undefined;
  /**
   * JS copies of every live value, ours included, kept in step with the store: `peers()` and
   * change detection read them here instead of crossing into wasm for every key.
   */
  private readonly values = new Map<string, unknown>();
  /** What `peers()` returned, until a foreign value changes; foreign keys in order. */
  private view: ReadonlyMap<PeerId, unknown> | undefined;
  private sorted: string[] | undefined;
  /** The application asked for this namespace: keep it even when empty. */
  declared = false;

  constructor(private readonly own: PeerId) {
    this.replaceStore(new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS));
  }

  get<V>(key: string): V | undefined {
    return this.values.get(key) as V | undefined;
  }

  /**
   * Every live entry except ours, sorted by key. The same object until a foreign value changes,
   * so a listener can tell "nothing changed" by identity; rebuilt from the remembered key order
   * (re-sorted only when keys come or go). A room of K peers used to sort and deep-compare K
   * entries per delivered change.
   */
  peers<V>(): ReadonlyMap<PeerId, V> {
    if (this.view === undefined) {
      this.sorted ??= [...this.values.keys()].filter((key) => key !== this.own).sort();
      const view = new Map<PeerId, unknown>();
      for (const key of this.sorted) view.set(key, this.values.get(key));
      this.view = view;
    }
    return this.view as ReadonlyMap<PeerId, V>;
  }

  /** Our own entry alone (or its tombstone): what a local change needs to send. */
  encodeOwn(): Uint8Array {
    this.ownEncoded ??= this.store.encode(this.own);
    return this.ownEncoded;
  }

  encodeAll(): Uint8Array {
    this.encoded ??= this.store.encodeAll();
    return this.encoded;
  }

  setOwn(value: unknown): void {
    this.store.set(this.own, value);
    // Our value as loro holds it (a JS number may become an integer, `undefined` fields null),
    // read from its encoding rather than through `get`.
    // The encoding is what the local-change broadcast sends next (`encodeOwn`).
    const own = this.store.encode(this.own);
    const entry = readEphemeral(own)?.[0];
    this.setValue(this.own, entry?.live === true ? entry.value : this.store.get(this.own));
    this.stamps?.set(this.own, entry?.timestamp ?? 0);
    this.tombstones.delete(this.own);
    this.encoded = undefined;
    this.ownEncoded = own;
  }

  /** Deletes our entry; the tombstone travels with the next encodings. */
  deleteOwn(now: number): boolean {
    if (!this.values.has(this.own)) return false;
    this.store.delete(this.own);
    this.deleteValue(this.own);
    this.stamps?.set(this.own, 0); // our key is never read against its stamp
    this.tombstones.set(this.own, now);
    this.encoded = undefined;
    this.ownEncoded = undefined;
    return true;
  }

  /** Re-stamps our entry (D-4: never anyone else's), at most once per instant. */
  touchOwn(now: number): void {
    if (this.touchedAt === now) return;
    const value = this.values.get(this.own);
    if (value === undefined) return;
    this.store.set(this.own, value);
    this.touchedAt = now;
    this.encoded = undefined;
    this.ownEncoded = undefined;
  }

  /**
   * Applies a payload encoded by `encoder`, received from peer `from`. Our own key is ours alone:
   * a foreign copy never replaces our entry. Tombstones count only for keys we hold.
   * Throws (a string, as loro does) when the bytes are not a loro ephemeral encoding.
   *
   * The payload goes straight into loro's store (one wasm `apply`). What it changed is read from
   * the payload itself (`readEphemeral`) against `stamps`, our copy of the timestamp loro holds
   * for each key, with loro's own rule (an entry replaces the one held only when its timestamp
   * is greater). Loro's change event and `get` cost ten times the `apply` itself; they remain
   * the path for a payload the reader does not take, one that carries our own key, and any
   * time `stamps` is not known to match the store.
   */
  apply(data: Uint8Array, encoder: PeerId, from: PeerId | undefined, now: number): ApplyOutcome {
    const entries = this.stamps === undefined ? undefined : readEphemeral(data);
    if (entries === undefined || !this.readable(entries)) {
      const outcome = this.applyWithEvent(data, encoder, from, now);
      this.resync();
      return outcome;
    }
    const stamps = this.stamps!;
    this.store.apply(data);
    let changed = false;
    let refreshed = false;
    let named = 0;
    let ghosts = false;
    // Allocated only when needed: one apply per received payload.
    let stale: string[] | undefined;
    let unapplied: EphemeralEntry[] | undefined;
    let seen: Set<string> | undefined;
    for (const entry of entries) {
      const { key } = entry;
      const held = stamps.get(key);
      if (held !== undefined && held >= entry.timestamp) {
        if (unapplied === undefined) unapplied = [entry];
        else unapplied.push(entry);
        continue;
      }
      stamps.set(key, entry.timestamp);
      if (held === undefined && !entry.live) {
        ghosts = true; // loro now keeps a tombstone of a key we never held
        continue;
      }
      named++;
      if (entries.length > 1) {
        if (seen === undefined) seen = new Set();
        seen.add(key);
      }
      if (held === undefined) {
        // added
        const grave = this.expired.get(key);
        if (
          grave !== undefined &&
          encoder !== key &&
          equalBytes(grave.bytes, this.store.encode(key))
        ) {
          // a copy of an entry we let expire, still travelling
          if (stale === undefined) stale = [key];
          else stale.push(key);
          continue;
        }
        this.setValue(key, entry.value);
        changed = true;
        refreshed = this.refresh(key, now, from);
      } else if (entry.live) {
        // updated
        if (!equalValues(this.values.get(key), entry.value)) {
          changed = true;
          this.setValue(key, entry.value); // a mere re-stamp keeps the value, and `peers()` its map
        }
        refreshed = this.refresh(key, now, from);
      } else {
        // removed
        this.deleteValue(key);
        this.forgetKey(key);
        this.tombstones.set(key, now);
        changed = true;
      }
    }
    if (named > 0) this.encoded = undefined;
    if (stale !== undefined) this.rebuildWithout(new Set(stale));
    if (unapplied !== undefined || ghosts) {
      // Entries that changed nothing still count for refresh (a copy sent by its owner) and for
      // departure bookkeeping (which channels can deliver a key).
      for (const { key, live } of unapplied ?? []) {
        if (!live || seen?.has(key) === true || !this.values.has(key)) continue;
        if (key === encoder) refreshed = this.refresh(key, now, from);
        else if (from !== undefined) this.addVia(key, from);
      }
      // Loro also keeps tombstones of keys we never held; we do not carry them (nothing to
      // delete here, and they would grow every encoding we send).
      if (this.stateCount() > this.values.size + this.tombstones.size) {
        this.rebuildWithout(new Set());
      }
    }
    return { changed, refreshed };
  }

  /** How many keys loro's store holds, tombstones included. */
  private stateCount(): number {
    return this.stamps?.size ?? leb128(this.encodeAll());
  }

  /** The fast path takes a payload whose every entry is a foreign key loro will not skip. */
  private readable(entries: readonly EphemeralEntry[]): boolean {
    const oldest = Date.now() - TIMESTAMP_HORIZON_MS;
    for (const entry of entries) {
      if (entry.key === this.own || entry.timestamp < oldest) return false;
    }
    return true;
  }

  /**
   * Loro's event tells which keys an `apply` added, updated or removed: the path for payloads
   * the reader does not take. Only a payload with entries that changed nothing is decoded again
   * (in a scratch store), to learn who it carried.
   */
  private applyWithEvent(
    data: Uint8Array,
    encoder: PeerId,
    from: PeerId | undefined,
    now: number,
  ): ApplyOutcome {
    let event: StoreEvent | undefined;
    const unsubscribe = this.store.subscribe((e: StoreEvent) => {
      event = e;
    }) as () => void;
    try {
      this.store.apply(data);
    } finally {
      unsubscribe();
    }
    const { added, updated, removed } = event ?? NO_EVENT;
    let changed = false;
    let refreshed = false;
    let ownTouched = false;
    const stale: string[] = [];
    for (const key of added) {
      if (key === this.own) {
        ownTouched = true;
        continue;
      }
      const grave = this.expired.get(key);
      if (
        grave !== undefined &&
        encoder !== key &&
        equalBytes(grave.bytes, this.store.encode(key))
      ) {
        stale.push(key); // a copy of an entry we let expire, still travelling: not news
        continue;
      }
      this.setValue(key, this.store.get(key));
      changed = true;
      refreshed = this.refresh(key, now, from);
    }
    for (const key of updated) {
      if (key === this.own) {
        ownTouched = true;
        continue;
      }
      const value: unknown = this.store.get(key);
      if (!equalValues(this.values.get(key), value)) {
        changed = true;
        this.setValue(key, value); // a mere re-stamp keeps the value, and `peers()` its map
      }
      refreshed = this.refresh(key, now, from);
    }
    for (const key of removed) {
      if (key === this.own) {
        ownTouched = true;
        continue;
      }
      this.deleteValue(key);
      this.forgetKey(key);
      this.tombstones.set(key, now);
      changed = true;
    }
    const named = added.length + updated.length + removed.length;
    if (named > 0) this.encoded = undefined;
    this.ownEncoded = undefined; // a foreign copy of our key may have reached the store
    if (ownTouched) this.restoreOwn();
    if (stale.length > 0) this.rebuildWithout(new Set(stale));
    // The encoding starts with its entry count (§8.2): when every entry changed something, the
    // event named them all. Otherwise the unchanged ones still count for refresh (a copy sent by
    // its owner) and for departure bookkeeping (which channels can deliver a key).
    if (named !== leb128(data)) {
      const seen = new Set([...added, ...updated, ...removed]);
      for (const key of this.keysOf(data)) {
        if (seen.has(key) || key === this.own || !this.values.has(key)) continue;
        if (key === encoder) refreshed = this.refresh(key, now, from);
        else if (from !== undefined) this.addVia(key, from);
      }
      // Loro also keeps tombstones of keys we never held; we do not carry them (nothing to
      // delete here, and they would grow every encoding we send).
      if (leb128(this.encodeAll()) > this.values.size + this.tombstones.size) {
        this.rebuildWithout(new Set());
      }
    }
    return { changed, refreshed };
  }

  /** Drops a foreign key locally and silently (a removal signal, §8.7 D-5). */
  dropSilently(key: string): boolean {
    if (key === this.own || !this.values.has(key)) return false;
    this.rebuildWithout(new Set([key]));
    return true;
  }

  /** Whether `departed(peerId)` would write a tombstone: the store holds that peer's own key. */
  holds(peerId: PeerId): boolean {
    return peerId !== this.own && this.values.has(peerId);
  }

  /**
   * A peer's last channel closed. Its own key is deleted with a tombstone, as the reference does
   * (§8.7, so reference peers drop it too); keys only that peer's channel brought are dropped
   * silently (D-5). Returns whether a tombstone was written (to broadcast) and whether any
   * value disappeared.
   */
  departed(peerId: PeerId, now: number): { tombstoned: boolean; changed: boolean } {
    let tombstoned = false;
    if (this.holds(peerId)) {
      this.store.delete(peerId);
      this.restamp(peerId);
      this.deleteValue(peerId);
      this.forgetKey(peerId);
      this.tombstones.set(peerId, now);
      this.encoded = undefined;
      this.ownEncoded = undefined;
      tombstoned = true;
    }
    const orphans = new Set<string>();
    for (const [key, peers] of this.via) {
      peers.delete(peerId);
      if (peers.size > 0) continue;
      this.via.delete(key);
      if (this.values.has(key)) orphans.add(key);
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
    const changed = [...drop].some((key) => this.values.has(key));
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
      this.values.size === 0 &&
      this.tombstones.size === 0 &&
      this.expired.size === 0
    );
  }

  free(): void {
    this.store.free();
  }

  private replaceStore(next: EphemeralStoreWasm): void {
    this.store = next;
  }

  /** Reads every key's stamp back from the store's encoding (after loro's path or a rebuild). */
  private resync(): void {
    const entries = readEphemeral(this.encodeAll());
    if (entries === undefined) {
      this.stamps = undefined;
      return;
    }
    const stamps = new Map<string, number>();
    for (const { key, timestamp } of entries) stamps.set(key, timestamp);
    this.stamps = stamps;
  }

  /** The stamp loro gave `key` by its own clock (a delete). */
  private restamp(key: string): void {
    if (this.stamps === undefined) return;
    const entry = readEphemeral(this.store.encode(key))?.[0];
    if (entry === undefined) this.stamps = undefined;
    else this.stamps.set(key, entry.timestamp);
  }

  /** A foreign entry is alive as of `now`; returns true (the outcome's `refreshed`). */
  private refresh(key: string, now: number, from: PeerId | undefined): true {
    this.refreshedAt.set(key, now);
    this.expired.delete(key);
    this.tombstones.delete(key);
    if (from !== undefined) this.addVia(key, from);
    return true;
  }

  private addVia(key: string, from: PeerId): void {
    const peers = this.via.get(key);
    if (peers === undefined) this.via.set(key, new Set([from]));
    else peers.add(from);
  }

  /** The live keys a payload carries (tombstones are not listed by loro). */
  private keysOf(data: Uint8Array): string[] {
    const scratch = new EphemeralStoreWasm(TIMERLESS_TIMEOUT_MS);
    try {
      scratch.apply(data);
      return scratch.keys();
    } finally {
      scratch.free();
    }
  }

  /** A foreign copy of our key reached the store: put our own state back, freshly stamped. */
  private restoreOwn(): void {
    const value = this.values.get(this.own);
    if (value !== undefined) this.store.set(this.own, value);
    else if (this.tombstones.has(this.own)) this.store.delete(this.own);
    else {
      this.rebuildWithout(new Set([this.own]));
      return;
    }
    this.encoded = undefined;
    this.ownEncoded = undefined;
  }

  private setValue(key: string, value: unknown): void {
    if (key !== this.own) {
      this.view = undefined;
      if (!this.values.has(key)) this.sorted = undefined;
    }
    this.values.set(key, value);
  }

  private deleteValue(key: string): void {
    if (key !== this.own && this.values.has(key)) {
      this.view = undefined;
      this.sorted = undefined;
    }
    this.values.delete(key);
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
    const old = this.store;
    this.replaceStore(next);
    old.free();
    this.encoded = undefined;
    this.ownEncoded = undefined;
    for (const key of keys) {
      this.deleteValue(key);
      this.forgetKey(key);
      this.tombstones.delete(key);
    }
    this.resync();
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
