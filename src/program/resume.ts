/**
 * The resume extension (docs/RESUME.md): between two loro-rx peers that both still hold every
 * record of each other, a reconnection exchanges only the documents that changed. Pure: the
 * session comes in with `init`, the digest is computed here from the model.
 */
import type { ChannelKind, DocId, ResumeProposal } from "../protocol/messages.js";
import type { VersionVector } from "../protocol/version-vector.js";
import { type Ctx, setStatus } from "./context.js";
import {
  type DocState,
  getDoc,
  getPeer,
  type Model,
  type PeerDocState,
  type PeerState,
} from "./model.js";
import { pmapForEach, pmapGet, pmapValues } from "./pmap.js";

/** RESUME.md §2: at most this many proposals in one establish-request (the codec's bound). */
export const MAX_PROPOSALS = 16;

/** Storage channels never carry the extension (RESUME.md §2): storage answers plainly. */
export const carriesResume = (model: Model, kind: ChannelKind): boolean =>
  model.session !== undefined && kind !== "storage";

/**
 * RESUME.md §4: the record says the peer holds exactly our current version of the doc. Only such
 * docs may go unmentioned in a resumed handshake.
 */
export const unchanged = (doc: DocState, state: PeerDocState | undefined): boolean =>
  state?.status === "synced" &&
  state.version !== undefined &&
  sameVersion(state.version, doc.version);

/** `versionsEqual` without the ordering work: run for every document at each resume. */
const sameVersion = (a: VersionVector, b: VersionVector): boolean => {
  let entries = 0;
  for (const key in a) {
    const x = a[key] ?? 0;
    if (x === 0) continue;
    if (b[key] !== x) return false;
    entries++;
  }
  for (const key in b) if ((b[key] ?? 0) > 0) entries--;
  return entries === 0;
};

// ── The digest (RESUME.md §4.2) ─────────────────────────────────────────────────────────────

const SEEDS = [0x9e3779b1, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;

const fmix = (x: number): number => {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** Mixes one text into four MurmurHash3-style 32-bit lanes (one seed each) in one pass. */
const addText = (sums: number[], text: string): void => {
  let h0: number = SEEDS[0];
  let h1: number = SEEDS[1];
  let h2: number = SEEDS[2];
  let h3: number = SEEDS[3];
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h0 ^= k;
    h0 = (Math.imul((h0 << 13) | (h0 >>> 19), 5) + 0xe6546b64) | 0;
    h1 ^= Math.imul(k, 0x2c1b3c6d);
    h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0x297a2d39) | 0;
    h2 ^= Math.imul(k, 0x297a2d39);
    h2 = (Math.imul((h2 << 13) | (h2 >>> 19), 5) + 0x1b873593) | 0;
    h3 ^= Math.imul(k, 0x5bd1e995);
    h3 = (Math.imul((h3 << 13) | (h3 >>> 19), 5) + 0xcc9e2d51) | 0;
  }
  sums[0] = ((sums[0] ?? 0) + fmix(h0 ^ text.length)) >>> 0;
  sums[1] = ((sums[1] ?? 0) + fmix(h1 ^ text.length)) >>> 0;
  sums[2] = ((sums[2] ?? 0) + fmix(h2 ^ text.length)) >>> 0;
  sums[3] = ((sums[3] ?? 0) + fmix(h3 ^ text.length)) >>> 0;
};

/** `len:docId` then the non-zero entries sorted by peer: one text per (doc, version). */
const canonical = (docId: DocId, version: VersionVector): string => {
  let out = `${docId.length}:${docId}`;
  const keys = Object.keys(version);
  if (keys.length > 1) keys.sort();
  for (const k of keys) {
    const n = version[k] ?? 0;
    if (n > 0) out += `|${k}=${n}`;
  }
  return out;
};

const computeDigest = (model: Model, peer: PeerState): string => {
  const sums = [0, 0, 0, 0];
  let count = 0;
  pmapForEach(peer.docs, (state, docId) => {
    if (state.status !== "synced" || state.version === undefined) return;
    if (getDoc(model, docId) === undefined) return;
    addText(sums, canonical(docId, state.version));
    count++;
  });
  return sums
    .map((sum, lane) => fmix(sum ^ Math.imul(count + 1, SEEDS[lane] ?? 0)))
    .map((n) => n.toString(16).padStart(8, "0"))
    .join("");
};

/**
 * Digests already computed, by the (immutable) peer record and document map they were computed
 * from: the initiator checks its proposal again when the answer comes, usually over the same
 * objects. A cache of a pure function, invisible to callers.
 */
const digests = new WeakMap<PeerState, { documents: Model["documents"]; digest: string }>();

/**
 * RESUME.md §4.2: a 128-bit digest of the `synced` records we keep of `peer` for documents we
 * hold. Both ends compute it over their records of each other; equal digests mean the records
 * agree, so nothing sent before the connection dropped was lost on the way.
 */
export const recordDigest = (model: Model, peer: PeerState): string => {
  const known = digests.get(peer);
  if (known !== undefined && known.documents === model.documents) return known.digest;
  const digest = computeDigest(model, peer);
  digests.set(peer, { documents: model.documents, digest });
  return digest;
};

/**
 * RESUME.md §5 step 1: what our establish-request proposes: one digest per known peer we could be
 * reconnecting to (a recorded session and no live channel), most recently met first.
 */
export const proposals = (model: Model): ResumeProposal[] => {
  const candidates = pmapValues(model.peers)
    .filter((p) => p.resume !== undefined && p.channels.length === 0)
    .sort((a, b) => b.seq - a.seq)
    .slice(0, MAX_PROPOSALS);
  return candidates.map((p) => ({
    session: p.resume?.session ?? "",
    digest: recordDigest(model, p),
  }));
};

/**
 * RESUME.md §4.3: a resumed connection keeps the peer's epoch, so the records of unchanged docs
 * stay current; the docs offered or requested now count as pending until the peer answers (its
 * version stays the lower bound for deltas, as in D-1).
 */
export const awaitAnswers = (ctx: Ctx, peerId: string, docs: readonly DocState[]): void => {
  for (const doc of docs) {
    const state = getPeer(ctx.model, peerId)?.docs;
    if (state !== undefined && pmapGet(state, doc.docId) !== undefined) {
      setStatus(ctx, peerId, doc.docId, "pending");
    }
  }
};
