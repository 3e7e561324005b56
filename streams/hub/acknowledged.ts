/**
 * What a hub acknowledges (`GET /docs/<id>/durable-version`, what `whenDurable` waits for): the
 * operations that every source of a guarantee covers. A single hub has one source, its storage
 * (`durability.ts`). A hub of a cluster has two, because an edit in PostgreSQL alone is not yet
 * the cluster's: hubs already following the document learn of it only from its Redis Stream, and
 * if the hub that took it dies before appending it, they would see it only at their next bus
 * handshake, which may never come. So a cluster hub acknowledges what PostgreSQL holds AND what
 * is on the stream (`RedisBus.onStreamVersion`). Each source stays ignorant of the others.
 *
 * Every source reports a version vector, which stands for a per-peer prefix of operations; the
 * operations in both prefixes are the per-peer minimum (the meet), a peer missing from either
 * counting as 0.
 */
import type { DocId } from "../../src/protocol/messages.js";
import { EMPTY_VERSION, type VersionVector } from "../../src/protocol/version-vector.js";

/** The operations both `a` and `b` hold: the per-peer minimum. */
export const meetVersions = (a: VersionVector, b: VersionVector): VersionVector => {
  const out: Record<string, number> = {};
  for (const peer in a) {
    const n = Math.min(a[peer] ?? 0, b[peer] ?? 0);
    if (n > 0) out[peer] = n;
  }
  return out;
};

/** One guarantee a hub gives about a document's operations, as the version it covers. */
export type CoveredVersion = (docId: DocId) => VersionVector;

/** What every one of `sources` covers. */
export const acknowledgedVersion =
  (sources: readonly CoveredVersion[]): CoveredVersion =>
  (docId) => {
    let out: VersionVector | undefined;
    for (const source of sources) {
      const covered = source(docId);
      out = out === undefined ? covered : meetVersions(out, covered);
    }
    return out ?? EMPTY_VERSION;
  };
