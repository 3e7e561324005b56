/**
 * Pair keys and the topology predicate: which two peers may be linked.
 */
import type { Topology } from "./network-types.js";

/** The same key for (a, b) and (b, a); NUL cannot clash with the characters of ordinary names. */
export const pairKey = (a: string, b: string): string => (a < b ? `${a}\0${b}` : `${b}\0${a}`);

/** A predicate telling whether peers `a` and `b` may be linked under `topology`. */
export function allowsLink(topology: Topology): (a: string, b: string) => boolean {
  if (topology === "mesh") return (a, b) => a !== b;
  if ("star" in topology) {
    const hub = topology.star;
    return (a, b) => a !== b && (a === hub || b === hub);
  }
  const allowed = new Set(topology.links.map(([a, b]) => pairKey(a, b)));
  return (a, b) => a !== b && allowed.has(pairKey(a, b));
}
