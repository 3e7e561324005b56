/**
 * Version vectors as plain data: `peerId → exclusive end counter` (spec §2.4).
 *
 * The pure core compares them without loro-crdt; effects convert with `toLoroVersion` /
 * `fromLoroVersion` (in `streams/`), and wire codecs with `VersionVector.encode/decode`.
 * Entries with counter 0 carry no information and are ignored by comparisons.
 */
export type VersionVector = Readonly<Record<string, number>>;

export const EMPTY_VERSION: VersionVector = Object.freeze({});

export const isEmptyVersion = (vv: VersionVector): boolean => {
  for (const key in vv) if ((vv[key] ?? 0) > 0) return false;
  return true;
};

/**
 * loro-crdt's `compare` semantics: 0 equal, 1 `a` strictly ahead, -1 `a` strictly behind,
 * `undefined` concurrent.
 */
export const compareVersions = (a: VersionVector, b: VersionVector): -1 | 0 | 1 | undefined => {
  let aAhead = false;
  let bAhead = false;
  for (const key in a) {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    if (x > y) aAhead = true;
    else if (y > x) bAhead = true;
  }
  for (const key in b) {
    if (key in a) continue;
    if ((b[key] ?? 0) > 0) bAhead = true;
  }
  if (aAhead && bAhead) return undefined;
  if (aAhead) return 1;
  if (bAhead) return -1;
  return 0;
};

/** `a` holds every operation of `b` (equal or ahead). */
export const versionCovers = (a: VersionVector, b: VersionVector): boolean => {
  const order = compareVersions(a, b);
  return order === 0 || order === 1;
};

export const versionsEqual = (a: VersionVector, b: VersionVector): boolean =>
  compareVersions(a, b) === 0;

/** The per-peer maximum: what a peer holding both versions has. */
export const mergeVersions = (a: VersionVector, b: VersionVector): VersionVector => {
  const out: Record<string, number> = { ...a };
  for (const key in b) {
    const n = b[key] ?? 0;
    if (n > (out[key] ?? 0)) out[key] = n;
  }
  return out;
};

/** Drops zero entries and sorts keys, so equal versions serialise identically. */
export const normalizeVersion = (vv: VersionVector): VersionVector => {
  const out: Record<string, number> = {};
  for (const key of Object.keys(vv).sort()) {
    const n = vv[key] ?? 0;
    if (n > 0) out[key] = n;
  }
  return out;
};
