/**
 * What a hub's bus remembers across its connections to Redis: where it is in each document's
 * stream (so a reconnect resumes from the last entry id), what of each document is known to be on
 * its stream (half of acknowledgement, see `onStream`), which entries it has read but not yet
 * seen in PostgreSQL (trimming), which presence peers live on other hubs (so their entries are
 * not published back), and counters for `/health`.
 *
 * Bounds: `lastIds` and `onStream` hold one entry per followed document and lose it when the
 * document is unfollowed; `tracked` keeps at most {@link MAX_TRACKED} entries per document
 * (overflow forgets the oldest: this hub then never trims them, another hub or a later delete
 * does), and an unfollowed document's list stays only until trimming empties it; `remotePeers`
 * keeps the {@link MAX_REMOTE_PEERS} most recently seen (overflow forgets the oldest, whose
 * entries may then be echoed once, which a receiver ignores as stale).
 */
import type { DocId } from "../../src/protocol/messages.js";
import { mergeVersions, type VersionVector } from "../../src/protocol/version-vector.js";
import { entryAfter } from "./bus-entry.js";

export const MAX_TRACKED = 10_000;
export const MAX_REMOTE_PEERS = 10_000;

export interface TrackedEntry {
  readonly id: string;
  /** The ops the entry carries end here; covered by the durable version means in PostgreSQL. */
  readonly end: VersionVector;
}

export interface BusCounters {
  /** Entries this hub appended (each an edit or handshake delta of its own). */
  published: number;
  /** Entries of other hubs handed to the engine. */
  received: number;
  /** Own entries read back from a stream and skipped (no echo). */
  ownSkipped: number;
  /** Entries this hub trimmed because PostgreSQL holds them. */
  trimmed: number;
  /** Presence messages published / received from other hubs. */
  presencePublished: number;
  presenceReceived: number;
  /** Entries or messages that could not be decoded (dropped). */
  malformed: number;
  /** Times the connection to Redis was lost. */
  losses: number;
  /**
   * Times this hub found entries trimmed past its position in a stream (it fell behind by more
   * than other hubs' trim grace) and caught the document up from PostgreSQL.
   */
  gapsCaughtUp: number;
}

export interface BusState {
  readonly lastIds: Map<DocId, string>;
  /**
   * Per document, a version whose every operation is on the stream (or was, and was trimmed
   * once PostgreSQL held it), so every hub following the stream gets it even if this hub dies:
   * the stated versions of entries this hub appended (XADD answered) or read, and what the
   * stream's published set held when this hub's handshake read it. Never lowered except by a
   * delete.
   */
  readonly onStream: Map<DocId, VersionVector>;
  readonly tracked: Map<DocId, TrackedEntry[]>;
  readonly remotePeers: Map<string, true>;
  readonly counters: BusCounters;
}

export const createBusState = (): BusState => ({
  lastIds: new Map(),
  onStream: new Map(),
  tracked: new Map(),
  remotePeers: new Map(),
  counters: {
    published: 0,
    received: 0,
    ownSkipped: 0,
    trimmed: 0,
    presencePublished: 0,
    presenceReceived: 0,
    malformed: 0,
    losses: 0,
    gapsCaughtUp: 0,
  },
});

/** Raises what is known to be on `docId`'s stream. */
export const noteOnStream = (state: BusState, docId: DocId, version: VersionVector): void => {
  const before = state.onStream.get(docId);
  state.onStream.set(docId, before === undefined ? version : mergeVersions(before, version));
};

/**
 * Remembers an entry for trimming. Ids only grow within a list: a handshake that reads the stream
 * again (a reconnect, or a document followed again) skips what is already there, so trimming's
 * prefix walk stays in id order.
 */
export const track = (state: BusState, docId: DocId, entry: TrackedEntry): void => {
  let list = state.tracked.get(docId);
  if (list === undefined) {
    list = [];
    state.tracked.set(docId, list);
  }
  const last = list[list.length - 1];
  if (last !== undefined && !entryAfter(entry.id, last.id)) return;
  if (list.length >= MAX_TRACKED) list.shift();
  list.push(entry);
};

export const noteRemotePeer = (state: BusState, peerId: string): void => {
  state.remotePeers.delete(peerId);
  state.remotePeers.set(peerId, true);
  if (state.remotePeers.size > MAX_REMOTE_PEERS) {
    const oldest = state.remotePeers.keys().next().value;
    if (oldest !== undefined) state.remotePeers.delete(oldest);
  }
};
