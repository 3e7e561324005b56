/**
 * Leaf codecs and the limits they enforce. Limits bound what one peer can make us store or log
 * per field; none of them is reached by anything the reference sends in practice.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { PeerType } from "../messages.js";
import type { VersionVector } from "../version-vector.js";
import { type Codec, codec, entryKey, oneOf } from "./combinators.js";
import { isPlainObject, typedArrayName } from "./render.js";

/**
 * docIds are opaque (spec §2.2) but end up as storage keys and map keys; 1 KiB is far above any
 * real id and below what key-value backends accept.
 */
export const MAX_DOC_ID_LENGTH = 1024;
/**
 * Remote peerIds may be any non-empty string (spec §2.1), not only u64 decimals (20 digits);
 * 256 leaves room for such ids while keeping per-peer map keys small.
 */
export const MAX_PEER_ID_LENGTH = 256;
/** An identity's human-readable label; only displayed, so a generous bound is enough. */
export const MAX_NAME_LENGTH = 1024;
/** Presence store names are application constants ("presence", "cursors"). */
export const MAX_NAMESPACE_LENGTH = 256;

const string = (name: string, min: number, max: number): Codec<string> =>
  codec(name, (u, c) => {
    if (typeof u !== "string" || u.length < min) return t.failure(u, c);
    if (u.length > max) return t.failure(u, c, `${name} of at most ${max} characters`);
    return t.success(u);
  });

export const DocIdC: Codec<string> = string("non-empty string", 1, MAX_DOC_ID_LENGTH);
export const PeerIdC: Codec<string> = string("non-empty string", 1, MAX_PEER_ID_LENGTH);
export const NameC: Codec<string> = string("string", 0, MAX_NAME_LENGTH);
/**
 * May be empty: the reference ignores presence entries with an empty namespace rather than
 * rejecting the message, so that decision belongs to the presence handler, not the codec.
 */
export const NamespaceC: Codec<string> = string("string", 0, MAX_NAMESPACE_LENGTH);

/** Resume sessions and digests (docs/RESUME.md): short opaque tokens. */
export const MAX_TOKEN_LENGTH = 64;
export const TokenC: Codec<string> = string("non-empty string", 1, MAX_TOKEN_LENGTH);

export const BooleanC: Codec<boolean> = codec("boolean", (u, c) =>
  typeof u === "boolean" ? t.success(u) : t.failure(u, c),
);

/** Counters and hop budgets. `-0` becomes `0` so decoded values compare with `Object.is`. */
export const NonNegativeIntC: Codec<number> = codec("non-negative safe integer", (u, c) =>
  typeof u === "number" && Number.isSafeInteger(u) && u >= 0
    ? t.success(u === 0 ? 0 : u)
    : t.failure(u, c),
);

/**
 * Any `Uint8Array`, including Node's `Buffer` (spec §13.2.1 requires accepting it), from any
 * realm. The bytes are not copied: messages are immutable by convention, and snapshots can be
 * megabytes.
 */
export const BytesC: Codec<Uint8Array> = codec("Uint8Array", (u, c) =>
  typedArrayName(u) === "Uint8Array" ? t.success(u as Uint8Array) : t.failure(u, c),
);

export const PeerTypeC: Codec<PeerType> = oneOf(["user", "bot", "service"]);

/**
 * A plain object `peerId → counter`. Maps, arrays and class instances are rejected: the wire
 * decoders produce plain objects, and anything else would not compare or serialise as data.
 */
/** Keys within bounds, counters non-negative safe integers other than −0, a plain prototype. */
const isCanonicalVector = (u: Record<string, unknown>): boolean => {
  if (Object.getPrototypeOf(u) !== Object.prototype) return false;
  for (const key of Object.keys(u)) {
    if (key.length === 0 || key.length > MAX_PEER_ID_LENGTH) return false;
    const v = u[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || Object.is(v, -0))
      return false;
  }
  return true;
};

export const VersionVectorC: Codec<VersionVector> = codec("version vector", (u, c) => {
  if (!isPlainObject(u)) return t.failure(u, c);
  // The wire decoders' output is already canonical: returned as it is. Copying it cost a
  // microsecond per vector, since decimal peer ids below 2^32 − 1 are array indices to V8 and
  // a fresh object holding one is slow to build (the W1 fixtures' authors are 1,000,000 + i).
  if (isCanonicalVector(u)) return t.success(u as VersionVector);
  const out: Record<string, number> = {};
  for (const key of Object.keys(u)) {
    if (key.length === 0 || key.length > MAX_PEER_ID_LENGTH) {
      const at = t.appendContext(c, entryKey(key), PeerIdC, key);
      return t.failure(key, at, `a non-empty key of at most ${MAX_PEER_ID_LENGTH} characters`);
    }
    const v = u[key];
    let n: number;
    if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) n = v === 0 ? 0 : v;
    else {
      // The path (and its rendered key) is built only for the error: every version vector of
      // every message passes through here.
      const r = NonNegativeIntC.validate(v, t.appendContext(c, entryKey(key), NonNegativeIntC, v));
      if (isLeft(r)) return r;
      n = r.right;
    }
    // A plain assignment to "__proto__" would set the prototype instead of adding an entry.
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: n,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = n;
  }
  return t.success(out);
});
