/**
 * Converts between our plain-record version vectors and the reference's loro `VersionVector`
 * objects, to run messages through @loro-extended/repo's own JSON serializer.
 */
import { VersionVector } from "loro-crdt";

type Json = unknown;
const VV_KEYS = new Set(["requesterDocVersion", "version"]);

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Uint8Array);

export const toReference = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(toReference);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      VV_KEYS.has(k) && isRecord(v)
        ? VersionVector.parseJSON(new Map(Object.entries(v) as Array<[`${number}`, number]>))
        : toReference(v);
  }
  return out;
};

export const fromReference = (value: Json): Json => {
  if (value instanceof VersionVector) return Object.fromEntries(value.toJSON());
  if (Array.isArray(value)) return value.map(fromReference);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = fromReference(v);
  return out;
};
