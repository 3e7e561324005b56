/**
 * The LoroDocs: watch on creation, release on deletion, free on eviction, import peer data and feed back
 * `doc-imported` (§5.3.2). A failing import (Loro throws strings) becomes an event; the data is
 * dropped and nothing else changes (N-21 done right).
 */
import { decodeImportBlobMeta } from "loro-crdt";
import { EMPTY, mergeMap, of } from "rxjs";
import type { Input } from "../../src/program/inputs.js";
import { isEmptyVersion, type VersionVector } from "../../src/protocol/version-vector.js";
import { docVersion, fromLoroVersion } from "../loro-version.js";
import { type CommandOf, type Effect, type EffectContext, ofType } from "./effect.js";

const run = (
  context: EffectContext,
  command: CommandOf<"watch-doc" | "unwatch-doc" | "evict-doc" | "import">,
): Input | undefined => {
  switch (command.type) {
    case "watch-doc":
      context.docs.load(command.docId);
      return undefined;
    case "unwatch-doc":
      context.docs.release(command.docId);
      return undefined;
    case "evict-doc":
      context.docs.evict(command.docId);
      context.presence.forgetDoc(command.docId);
      return undefined;
    case "import": {
      const doc = context.docs.peek(command.docId);
      if (doc === undefined) return undefined;
      let pending = false;
      const before = docVersion(doc);
      try {
        const status = doc.import(command.data);
        pending = status.pending !== null && status.pending.size > 0;
      } catch (error) {
        context.report({
          type: "import-failed",
          docId: command.docId,
          fromPeerId: command.fromPeerId,
          error: String(error),
        });
        return undefined;
      }
      const version = docVersion(doc);
      // These bytes take any copy at `before` to `version`: forwarding can reuse them. Not kept
      // for a first import into an empty doc: a whole snapshot per doc (often a view into a
      // large received frame, which it would keep alive) for the rare peer that has nothing.
      // Nor when ops held pending by an earlier import were applied now: the version moved by more
      // than these bytes carry, and a peer sent only them would silently lack those ops.
      // Otherwise the last delta (and the version it leads to) must be forgotten: it no longer
      // ends at the doc's version, and reusing it would record peers as holding ops they lack.
      const reusable =
        !pending && !isEmptyVersion(before) && bytesCarry(command.data, before, version);
      context.docs.imported(command.docId, before, version, reusable ? command.data : undefined);
      return {
        type: "doc-imported",
        docId: command.docId,
        fromPeerId: command.fromPeerId,
        channelId: command.channelId,
        version,
        pending,
      };
    }
  }
};

/**
 * Whether `data` alone takes a copy at `before` to `after`: no peer's counter moved past both
 * where it was and where the bytes end. It fails when the import also applied ops an earlier
 * import left pending (Loro reports only this import's own pending ops, so that cannot be
 * tracked from the import status).
 */
const bytesCarry = (data: Uint8Array, before: VersionVector, after: VersionVector): boolean => {
  let end: VersionVector;
  try {
    end = fromLoroVersion(decodeImportBlobMeta(data, false).partialEndVersionVector);
  } catch {
    return false;
  }
  for (const peer of Object.keys(after)) {
    if ((after[peer] ?? 0) > Math.max(before[peer] ?? 0, end[peer] ?? 0)) return false;
  }
  return true;
};

export const documentEffect: Effect = (commands$, context) =>
  commands$.pipe(
    ofType("watch-doc", "unwatch-doc", "evict-doc", "import"),
    mergeMap((command) => {
      const feedback = run(context, command);
      return feedback === undefined ? EMPTY : of(feedback);
    }),
  );
