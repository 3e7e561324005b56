/**
 * A persistent (immutable) string-keyed map made of plain objects and arrays: a hash array mapped
 * trie (HAMT).
 *
 * Why not `Map`: the model is replaced on every input, and copying a `Map` of 10,000 documents per
 * input is the super-linear cost DESIGN.md warns about. Here `set`/`remove` copy only the path to
 * the touched entry (at most 7 small arrays), so an input costs O(log32 n) whatever the size.
 * Why not Immutable.js: these nodes are plain data, so a model survives `structuredClone` and
 * `JSON.stringify` as is, and two models built by the same inputs are deeply equal (the trie's
 * shape depends only on its keys), which replay tests rely on.
 *
 * Iteration order is hash order, not insertion order; records that need creation order carry a
 * sequence number (see `model.ts`).
 */

interface Entry<V> {
  readonly k: string;
  readonly h: number;
  readonly v: V;
}
interface Collision<V> {
  readonly h: number;
  readonly e: readonly Entry<V>[];
}
interface Branch<V> {
  readonly b: number;
  readonly c: readonly Child<V>[];
}
type Child<V> = Entry<V> | Collision<V> | Branch<V>;

export interface PMap<V> {
  readonly size: number;
  readonly root: Branch<V> | null;
}

const BITS = 5;
const MASK = 0b11111;

/** FNV-1a over UTF-16 code units: cheap, and good enough spread for ids. */
const hashKey = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

const popcount = (x: number): number => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

const isBranch = <V>(n: Child<V>): n is Branch<V> => "b" in n;
const isCollision = <V>(n: Child<V>): n is Collision<V> => "e" in n;
const hashOf = <V>(n: Entry<V> | Collision<V>): number => n.h;

export const emptyPMap = <V>(): PMap<V> => ({ size: 0, root: null });

export const pmapGet = <V>(map: PMap<V>, key: string): V | undefined => {
  if (map.root === null) return undefined;
  const h = hashKey(key);
  let node: Child<V> = map.root;
  let shift = 0;
  for (;;) {
    if (isBranch(node)) {
      const bit = 1 << ((h >>> shift) & MASK);
      if ((node.b & bit) === 0) return undefined;
      node = node.c[popcount(node.b & (bit - 1))]!;
      shift += BITS;
    } else if (isCollision(node)) {
      for (const e of node.e) if (e.k === key) return e.v;
      return undefined;
    } else {
      return node.k === key ? node.v : undefined;
    }
  }
};

export const pmapHas = <V>(map: PMap<V>, key: string): boolean => pmapGet(map, key) !== undefined;

/** Two leaves with different hashes, placed under a branch at `shift` (and deeper if needed). */
const mergeLeaves = <V>(
  a: Entry<V> | Collision<V>,
  b: Entry<V> | Collision<V>,
  shift: number,
): Branch<V> => {
  const ia = (hashOf(a) >>> shift) & MASK;
  const ib = (hashOf(b) >>> shift) & MASK;
  if (ia === ib) return { b: 1 << ia, c: [mergeLeaves(a, b, shift + BITS)] };
  return { b: (1 << ia) | (1 << ib), c: ia < ib ? [a, b] : [b, a] };
};

// `added` tells the caller whether the size grew; kept in a module-level flag to avoid allocating
// a tuple per level.
let added = false;

const insert = <V>(node: Child<V>, shift: number, entry: Entry<V>): Child<V> => {
  if (isBranch(node)) {
    const bit = 1 << ((entry.h >>> shift) & MASK);
    const pos = popcount(node.b & (bit - 1));
    if ((node.b & bit) === 0) {
      added = true;
      const c = node.c.slice();
      c.splice(pos, 0, entry);
      return { b: node.b | bit, c };
    }
    const child = insert(node.c[pos]!, shift + BITS, entry);
    const c = node.c.slice();
    c[pos] = child;
    return { b: node.b, c };
  }
  if (isCollision(node)) {
    if (node.h !== entry.h) {
      added = true;
      return mergeLeaves(node, entry, shift);
    }
    const i = node.e.findIndex((e) => e.k === entry.k);
    const e = node.e.slice();
    if (i < 0) {
      added = true;
      e.push(entry);
    } else e[i] = entry;
    return { h: node.h, e };
  }
  if (node.k === entry.k) return entry;
  added = true;
  if (node.h === entry.h) return { h: node.h, e: [node, entry] };
  return mergeLeaves(node, entry, shift);
};

export const pmapSet = <V>(map: PMap<V>, key: string, value: V): PMap<V> => {
  const entry: Entry<V> = { k: key, h: hashKey(key), v: value };
  if (map.root === null) {
    return { size: 1, root: { b: 1 << (entry.h & MASK), c: [entry] } };
  }
  added = false;
  const root = insert(map.root, 0, entry) as Branch<V>;
  return { size: added ? map.size + 1 : map.size, root };
};

const NOT_FOUND = Symbol("not found");

/** Returns the replacement node, `undefined` when the subtree becomes empty, or NOT_FOUND. */
const removeFrom = <V>(
  node: Child<V>,
  shift: number,
  key: string,
  h: number,
): Child<V> | undefined | typeof NOT_FOUND => {
  if (isBranch(node)) {
    const bit = 1 << ((h >>> shift) & MASK);
    if ((node.b & bit) === 0) return NOT_FOUND;
    const pos = popcount(node.b & (bit - 1));
    const child = removeFrom(node.c[pos]!, shift + BITS, key, h);
    if (child === NOT_FOUND) return NOT_FOUND;
    if (child === undefined) {
      if (node.c.length === 1) return undefined;
      const c = node.c.slice();
      c.splice(pos, 1);
      // A branch left with one leaf collapses into it, so equal key sets give equal shapes.
      if (c.length === 1 && shift > 0 && !isBranch(c[0]!)) return c[0]!;
      return { b: node.b & ~bit, c };
    }
    if (node.c.length === 1 && shift > 0 && !isBranch(child)) return child;
    const c = node.c.slice();
    c[pos] = child;
    return { b: node.b, c };
  }
  if (isCollision(node)) {
    const i = node.e.findIndex((e) => e.k === key);
    if (i < 0) return NOT_FOUND;
    const e = node.e.slice();
    e.splice(i, 1);
    return e.length === 1 ? e[0]! : { h: node.h, e };
  }
  return node.k === key ? undefined : NOT_FOUND;
};

export const pmapRemove = <V>(map: PMap<V>, key: string): PMap<V> => {
  if (map.root === null) return map;
  const root = removeFrom(map.root, 0, key, hashKey(key));
  if (root === NOT_FOUND) return map;
  if (root === undefined) return emptyPMap();
  // The root always stays a branch so lookups start uniformly.
  const branch: Branch<V> = isBranch(root) ? root : { b: 1 << (hashOf(root) & MASK), c: [root] };
  return { size: map.size - 1, root: branch };
};

/** Replaces the value at `key` with `fn(old)`; `fn` returning undefined removes the key. */
export const pmapUpdate = <V>(
  map: PMap<V>,
  key: string,
  fn: (old: V | undefined) => V | undefined,
): PMap<V> => {
  const next = fn(pmapGet(map, key));
  return next === undefined ? pmapRemove(map, key) : pmapSet(map, key, next);
};

const visit = <V>(node: Child<V>, fn: (value: V, key: string) => void): void => {
  if (isBranch(node)) for (const c of node.c) visit(c, fn);
  else if (isCollision(node)) for (const e of node.e) fn(e.v, e.k);
  else fn(node.v, node.k);
};

/** Visits every entry, in hash order. */
export const pmapForEach = <V>(map: PMap<V>, fn: (value: V, key: string) => void): void => {
  if (map.root !== null) visit(map.root, fn);
};

export const pmapValues = <V>(map: PMap<V>): V[] => {
  const out: V[] = [];
  pmapForEach(map, (v) => out.push(v));
  return out;
};

export const pmapFromEntries = <V>(entries: Iterable<readonly [string, V]>): PMap<V> => {
  let map = emptyPMap<V>();
  for (const [k, v] of entries) map = pmapSet(map, k, v);
  return map;
};
