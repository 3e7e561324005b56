/**
 * Conversions between loro-crdt's `VersionVector` (a wasm object) and the plain records the pure
 * program works with.
 */
import { type LoroDoc, VersionVector as LoroVersionVector } from "loro-crdt";
import type { VersionVector } from "../src/protocol/version-vector.js";

export const fromLoroVersion = (vv: LoroVersionVector): VersionVector => {
  const out: Record<string, number> = {};
  for (const [peer, counter] of vv.toJSON()) if (counter > 0) out[peer] = counter;
  return out;
};

export const toLoroVersion = (vv: VersionVector): LoroVersionVector => {
  const map = new Map<`${number}`, number>();
  for (const key of Object.keys(vv)) {
    const n = vv[key] ?? 0;
    if (n > 0) map.set(key as `${number}`, n);
  }
  return new LoroVersionVector(map);
};

/** All operations the doc knows (a checkout does not hide any of them from peers). */
export const docVersion = (doc: LoroDoc): VersionVector => fromLoroVersion(doc.oplogVersion());
