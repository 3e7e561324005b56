/**
 * The live `LoroDoc`s, owned by the streams side and referred to by DocId in the model.
 * Each watched doc reports local commits (synchronously, inside `commit()`, spec §5.3.6).
 */
import { LoroDoc } from "loro-crdt";
import type { DocId, PeerId } from "../../src/protocol/messages.js";
import { type VersionVector, versionsEqual } from "../../src/protocol/version-vector.js";
import { docVersion } from "../loro-version.js";
import type { Delta, DocRegistry } from "../ports/doc-registry.js";

export type { Delta, DocRegistry } from "../ports/doc-registry.js";

/** A random Loro peer id below 2^64 − 1 (which Loro refuses). */
const randomLoroPeerId = (): bigint => {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  const id = (BigInt(high) << 32n) | BigInt(low);
  return id === 0xffff_ffff_ffff_ffffn ? id - 1n : id;
};

/** Whether `to` differs from `from` only in `peer`'s counter: nothing else arrived in between. */
const onlyOwnOpsAdded = (from: VersionVector, to: VersionVector, peer: string): boolean => {
  for (const key in to) if (key !== peer && (to[key] ?? 0) !== (from[key] ?? 0)) return false;
  for (const key in from) if (key !== peer && (to[key] ?? 0) !== (from[key] ?? 0)) return false;
  return true;
};

interface Entry {
  readonly doc: LoroDoc;
  /** Set once the doc was handed out through `get`/`ensure` (see the port on why not always). */
  unsubscribe: (() => void) | undefined;
  /** The version after the last change we saw (a local commit or an import). */
  known: VersionVector;
  delta: Delta | undefined;
  /** Commits not yet settled: the last one's bytes, and how many there were. */
  commits: { readonly bytes: Uint8Array; readonly count: number } | undefined;
}

/**
 * The version after the pending commits, and the delta they make: the committed bytes when
 * there was exactly one commit of our own ops since `known` (several commits' bytes cannot be
 * joined; data imported straight into the doc would be missing from them). No delta means
 * sends fall back to an export.
 */
const settleEntry = (entry: Entry): VersionVector => {
  const to = docVersion(entry.doc);
  const commits = entry.commits;
  if (commits !== undefined) {
    entry.delta =
      commits.count === 1 && onlyOwnOpsAdded(entry.known, to, entry.doc.peerIdStr)
        ? { from: entry.known, to, bytes: commits.bytes }
        : undefined;
    entry.commits = undefined;
  }
  entry.known = to;
  return to;
};

export const createDocRegistry = (
  peerId: PeerId,
  onLocalCommit: (docId: DocId) => void,
): DocRegistry => {
  const docs = new Map<DocId, Entry>();
  // Docs released by a delete in this process, or evicted after we wrote to them. Loro op ids
  // are (peer, counter) and a fresh doc counts from zero again: written under our peer id, its
  // ops would reuse ids that peers (or storage) hold for the old content and be silently dropped
  // as duplicates. A re-created doc therefore writes under a random Loro peer id (spec §2.1
  // attribution gives way to data safety). Grows by one id per such doc (no bound: forgetting
  // one would risk that loss); a hub never writes, so its set stays empty.
  const released = new Set<DocId>();
  const watch = (docId: DocId, entry: Entry): LoroDoc => {
    if (entry.unsubscribe === undefined) {
      // Inside `commit()`: remember the bytes only. The version is read once per run of
      // commits, when the engine takes them (`settle`): reading it per commit was 40 % of what
      // a commit cost in W2.
      entry.unsubscribe = entry.doc.subscribeLocalUpdates((bytes) => {
        entry.commits = { bytes, count: (entry.commits?.count ?? 0) + 1 };
        onLocalCommit(docId);
      });
    }
    return entry.doc;
  };
  const load = (docId: DocId): Entry => {
    const existing = docs.get(docId);
    if (existing !== undefined) return existing;
    const doc = new LoroDoc();
    doc.setPeerId(released.has(docId) ? randomLoroPeerId() : BigInt(peerId));
    const entry: Entry = {
      doc,
      unsubscribe: undefined,
      known: {},
      delta: undefined,
      commits: undefined,
    };
    docs.set(docId, entry);
    return entry;
  };
  return {
    get(docId) {
      const entry = docs.get(docId);
      return entry === undefined ? undefined : watch(docId, entry);
    },
    ensure: (docId) => watch(docId, load(docId)),
    peek: (docId) => docs.get(docId)?.doc,
    load: (docId) => load(docId).doc,
    release(docId) {
      const entry = docs.get(docId);
      if (entry === undefined) return;
      entry.unsubscribe?.();
      docs.delete(docId);
      released.add(docId);
    },
    evict(docId) {
      const entry = docs.get(docId);
      if (entry === undefined) return;
      entry.unsubscribe?.();
      docs.delete(docId);
      const ours = docVersion(entry.doc)[entry.doc.peerIdStr] ?? 0;
      if (ours > 0) released.add(docId);
      entry.doc.free();
    },
    ids: () => docs.keys(),
    settle(docId) {
      const entry = docs.get(docId);
      return entry === undefined ? undefined : settleEntry(entry);
    },
    imported(docId, from, to, bytes) {
      const entry = docs.get(docId);
      if (entry === undefined) return;
      // The engine settles commits before any import can run; should one slip through, the
      // import's `from` already includes it, so its own bytes are simply no longer a delta.
      entry.commits = undefined;
      // Nothing moved: the last delta still ends here. Moved without usable bytes: forget it.
      if (!versionsEqual(from, to))
        entry.delta = bytes === undefined ? undefined : { from, to, bytes };
      entry.known = to;
    },
    deltaFrom(docId, from) {
      const entry = docs.get(docId);
      const delta = entry?.delta;
      if (entry === undefined || delta === undefined) return undefined;
      return versionsEqual(delta.from, from) && versionsEqual(delta.to, entry.known)
        ? delta
        : undefined;
    },
    dispose() {
      for (const { unsubscribe } of docs.values()) unsubscribe?.();
      docs.clear();
    },
  };
};
