/**
 * mulberry32, exactly as bench/WORKLOADS.md §2.1 defines it, so that fault injection, fixtures and
 * benchmarks draw the same sequence from the same seed on every JavaScript engine.
 */

/** A source of floats in [0, 1). */
export type Rng = () => number;

/**
 * Returns a generator whose successive calls yield mulberry32 draws for `seed`.
 *
 * @param seed Taken as an unsigned 32-bit integer (`seed >>> 0`).
 */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed derived from a base seed and a label (FNV-1a over the label's UTF-16 units, mixed
 * with the base). Gives independent, reproducible streams per label: the faults one link sees do
 * not shift when traffic on another link changes.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
