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

/**
 * All operations the doc knows (a checkout does not hide any of them from peers). The wasm
 * vector is freed at once rather than left to the finalizer: these are made per message.
 */
export const docVersion = (doc: LoroDoc): VersionVector => {
  const vv = doc.oplogVersion();
  try {
    return fromLoroVersion(vv);
  } finally {
    vv.free();
  }
};

/** An update taking a copy at `from` to the doc's current state. */
export const exportFrom = (doc: LoroDoc, from: VersionVector): Uint8Array => {
  const vv = toLoroVersion(from);
  try {
    return doc.export({ mode: "update", from: vv });
  } finally {
    vv.free();
  }
};
