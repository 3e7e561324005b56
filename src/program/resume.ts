/**
 * The resume extension (docs/RESUME.md): between two loro-rx peers that both still hold every
 * record of each other, a reconnection exchanges only the documents that changed. Pure: the
 * session comes in with `init`, the digest is computed here from the model.
 */
import type { ChannelKind, DocId, ResumeProposal } from "../protocol/messages.js";
import { type VersionVector, versionsEqual } from "../protocol/version-vector.js";
import type { Ctx } from "./context.js";
import {
  type DocState,
  getDoc,
  getPeer,
  type Model,
  type PeerDocState,
  type PeerState,
  setPeer,
} from "./model.js";
import { pmapForEach, pmapSet, pmapValues } from "./pmap.js";

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
  versionsEqual(state.version, doc.version);

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

/** MurmurHash3's 32-bit mixing over UTF-16 code units. */
const hash32 = (text: string, seed: number): number => {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix(h ^ text.length);
};

/** `len:docId` then the non-zero entries sorted by peer: one text per (doc, version). */
const canonical = (docId: DocId, version: VersionVector): string => {
  const keys = Object.keys(version)
    .filter((k) => (version[k] ?? 0) > 0)
    .sort();
  let out = `${docId.length}:${docId}`;
  for (const k of keys) out += `|${k}=${version[k]}`;
  return out;
};

/**
 * RESUME.md §4.2: a 128-bit digest of the `synced` records we keep of `peer` for documents we
 * hold. Both ends compute it over their records of each other; equal digests mean the records
 * agree, so nothing sent before the connection dropped was lost on the way.
 */
export const recordDigest = (model: Model, peer: PeerState): string => {
  const sums = [0, 0, 0, 0];
  let count = 0;
  pmapForEach(peer.docs, (state, docId) => {
    if (state.status !== "synced" || state.version === undefined) return;
    if (getDoc(model, docId) === undefined) return;
    const text = canonical(docId, state.version);
    for (let lane = 0; lane < 4; lane++) {
      sums[lane] = ((sums[lane] ?? 0) + hash32(text, SEEDS[lane] ?? 0)) >>> 0;
    }
    count++;
  });
  return sums
    .map((sum, lane) => fmix((sum ^ Math.imul(count + 1, SEEDS[lane] ?? 0)) >>> 0))
    .map((n) => n.toString(16).padStart(8, "0"))
    .join("");
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
 * RESUME.md §4.3: after an accepted resume the records of unchanged docs were confirmed in this
 * connection, so they count for it (D-1 epochs) as if the peer had just answered for them.
 */
export const confirmUnchanged = (ctx: Ctx, peerId: string): void => {
  const peer = getPeer(ctx.model, peerId);
  if (peer === undefined) return;
  const confirmed: [DocId, PeerDocState][] = [];
  pmapForEach(peer.docs, (state, docId) => {
    const doc = getDoc(ctx.model, docId);
    if (state.epoch !== peer.epoch && doc !== undefined && unchanged(doc, state)) {
      confirmed.push([docId, { ...state, epoch: peer.epoch }]);
    }
  });
  if (confirmed.length === 0) return;
  let docs = peer.docs;
  for (const [docId, state] of confirmed) docs = pmapSet(docs, docId, state);
  ctx.model = setPeer(ctx.model, { ...peer, docs });
};
