/**
 * Coalescing for a peer that is behind (issue 12, backpressure). While its connection says it is
 * congested (`Connection.congested$`: the socket holds more unsent bytes than its threshold),
 * `send-doc-update` commands for it are not exported. We remember, per (channel, doc), only the
 * version the peer had before the first held update; when the connection drains we send ONE
 * update per doc, exported from that version to the doc's version at that moment, all in one
 * frame. 1,000 edits made while a peer is behind cost it one update, not 1,000 frames queued in
 * its socket.
 *
 * The program is not told: it records the peer as having what it asked us to send (as it does
 * for any send), and the drained update carries at least that.
 *
 * Bound: one entry per (channel, doc), holding a version vector and a counter, no bytes; at most
 * {@link MAX_HELD_DOCS_PER_CHANNEL} per channel. Overflow: an update that would need an entry
 * past that is sent at once, unheld, so the transport's byte bound (1013 above `closeAt`) is what
 * limits such a peer. Entries go when the channel drains, is stopped, or its connection ends
 * (`congested$` completes); a doc deleted meanwhile is skipped at drain.
 */
import type { Subscription } from "rxjs";
import type { ChannelId, DocId, UpdateMsg } from "../../src/protocol/messages.js";
import { compareVersions, type VersionVector } from "../../src/protocol/version-vector.js";
import type { EffectContext } from "../ports/effect-context.js";

export const MAX_HELD_DOCS_PER_CHANNEL = 10_000;

/** `from` null: the peer had nothing (a snapshot is due). */
interface Held {
  from: VersionVector | null;
  /** How many `send-doc-update` commands this entry stands for. */
  updates: number;
}

interface ChannelState {
  congested: boolean;
  held: Map<DocId, Held>;
  subscription: Subscription | undefined;
}

export interface HeldUpdates {
  /** Holds the update when its channel is congested or already holds one for the doc. */
  hold(channelId: ChannelId, docId: DocId, from: VersionVector | null): boolean;
  forget(channelId: ChannelId): void;
  /** Entries held now, over every channel. */
  readonly size: number;
  dispose(): void;
}

/**
 * What the peer surely has when two held updates started from `a` and `b`: normally the first
 * (later sends start where earlier ones ended), otherwise the per-peer minimum.
 */
const lower = (a: VersionVector | null, b: VersionVector | null): VersionVector | null => {
  if (a === null || b === null) return null;
  const cmp = compareVersions(b, a);
  if (cmp === 0 || cmp === 1) return a;
  if (cmp === -1) return b;
  const out: Record<string, number> = {};
  for (const key in a) out[key] = Math.min(a[key] ?? 0, b[key] ?? 0);
  return out;
};

export const createHeldUpdates = (
  context: EffectContext,
  /** The update taking the peer from `from` to the doc's current version; undefined: no doc. */
  updateOf: (docId: DocId, from: VersionVector | null) => UpdateMsg | undefined,
  maxDocsPerChannel = MAX_HELD_DOCS_PER_CHANNEL,
): HeldUpdates => {
  const channels = new Map<ChannelId, ChannelState>();
  let size = 0;

  const drop = (channelId: ChannelId): void => {
    const state = channels.get(channelId);
    if (state === undefined) return;
    channels.delete(channelId);
    size -= state.held.size;
    state.subscription?.unsubscribe();
  };

  // Runs from the transport's drain check, outside the engine's loop: the outbox is empty, and
  // sending straight to the connection keeps the frame count at one.
  const drain = (channelId: ChannelId, state: ChannelState): void => {
    if (state.held.size === 0) return;
    const held = state.held;
    state.held = new Map();
    size -= held.size;
    const connection = context.connection(channelId);
    if (connection === undefined) return;
    const messages: UpdateMsg[] = [];
    let updates = 0;
    for (const [docId, entry] of held) {
      const message = updateOf(docId, entry.from);
      if (message === undefined) continue;
      messages.push(message);
      updates += entry.updates;
    }
    if (messages.length === 0) return;
    connection.send(messages.length === 1 ? messages[0]! : { type: "channel/batch", messages });
    context.report({ type: "updates-coalesced", channelId, docs: messages.length, updates });
  };

  const stateOf = (channelId: ChannelId): ChannelState | undefined => {
    const existing = channels.get(channelId);
    if (existing !== undefined) return existing;
    const congested$ = context.connection(channelId)?.congested$;
    if (congested$ === undefined) return undefined;
    const state: ChannelState = { congested: false, held: new Map(), subscription: undefined };
    channels.set(channelId, state);
    // Replays the current state synchronously, so `congested` is right before we return.
    const subscription = congested$.subscribe({
      next: (congested) => {
        state.congested = congested;
        if (!congested) drain(channelId, state);
      },
      complete: () => drop(channelId),
    });
    if (channels.get(channelId) === state) state.subscription = subscription;
    else subscription.unsubscribe(); // completed during subscribe: the connection has ended
    return channels.get(channelId);
  };

  return {
    hold(channelId, docId, from) {
      const state = stateOf(channelId);
      if (state === undefined) return false;
      const entry = state.held.get(docId);
      if (entry !== undefined) {
        entry.from = lower(entry.from, from);
        entry.updates++;
        return true;
      }
      if (!state.congested || state.held.size >= maxDocsPerChannel) return false;
      state.held.set(docId, { from, updates: 1 });
      size++;
      return true;
    },
    forget: drop,
    get size() {
      return size;
    },
    dispose() {
      for (const channelId of [...channels.keys()]) drop(channelId);
    },
  };
};
