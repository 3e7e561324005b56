/**
 * Version vectors on the binary wire are loro-crdt's own encoding (spec §13.2.3); the spec
 * requires loro-crdt to produce and read them, so we never hand-roll the LEB128.
 */
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { VersionVector as LoroVersionVector } from "loro-crdt";
import type { VersionVector } from "../version-vector.js";
import {
  type DecodeError,
  decodeError,
  type EncodeError,
  errorText,
  unencodable,
} from "./errors.js";

/** Loro counters are i32: a larger one would be clamped silently, so we refuse it instead. */
const MAX_COUNTER = 0x7fff_ffff;
/** Loro also reads "007" as peer 7; only the canonical spelling round-trips. */
const CANONICAL_PEER = /^(0|[1-9][0-9]*)$/;

/**
 * Recent conversions, both ways. Crossing into wasm costs 5–15 µs per vector, and the same
 * vector travels several times: a handshake carries each doc's version in a request, in the
 * answer, and back in the reciprocal request (a quarter of W5's time went to these calls).
 * Keys are exact (length-prefixed peer=counter pairs; the bytes themselves), so a hit returns
 * what Loro would.
 * Cleared when full: a bound, not an LRU, is all a hot handshake needs.
 */
const CACHE_LIMIT = 4_096;
const encoded = new Map<string, Uint8Array>();
const decoded = new Map<string, VersionVector>();

const remember = <V>(cache: Map<string, V>, key: string, value: V): void => {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
};

/** Length-prefixed, so no peer string (valid or not) can make two vectors share a key. */
const vectorKey = (vv: VersionVector): string => {
  let key = "";
  for (const peer in vv) key += `${peer.length}:${peer}=${vv[peer]};`;
  return key;
};

const bytesKey = (bytes: Uint8Array): string => {
  let key = "";
  for (let i = 0; i < bytes.length; i++) key += String.fromCharCode(bytes[i] as number);
  return key;
};

export const encodeVersionVector = (vv: VersionVector): Either<EncodeError, Uint8Array> => {
  const key = vectorKey(vv);
  const hit = encoded.get(key);
  if (hit !== undefined) return right(hit);
  const result = encodeWithLoro(vv);
  if (result._tag === "Right") remember(encoded, key, result.right);
  return result;
};

export const decodeVersionVector = (bytes: Uint8Array): Either<DecodeError, VersionVector> => {
  const key = bytes.length <= 256 ? bytesKey(bytes) : undefined;
  const hit = key === undefined ? undefined : decoded.get(key);
  if (hit !== undefined) return right({ ...hit });
  const result = decodeWithLoro(bytes);
  if (key !== undefined && result._tag === "Right") remember(decoded, key, { ...result.right });
  return result;
};

const encodeWithLoro = (vv: VersionVector): Either<EncodeError, Uint8Array> => {
  let loro: LoroVersionVector | undefined;
  try {
    const entries = new Map<`${number}`, number>();
    for (const [peer, counter] of Object.entries(vv)) {
      if (!CANONICAL_PEER.test(peer))
        return left(unencodable(`version vector peer "${peer}" is not a u64 in decimal`));
      if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
        return left(
          unencodable(`version vector counter ${counter} of peer ${peer} is not an i32 counter`),
        );
      }
      entries.set(peer as `${number}`, counter);
    }
    loro = LoroVersionVector.parseJSON(entries);
    return right(loro.encode());
  } catch (e) {
    return left(unencodable(`version vector: ${errorText(e)}`));
  } finally {
    // wasm memory is not collected promptly; free it now.
    loro?.free();
  }
};

const decodeWithLoro = (bytes: Uint8Array): Either<DecodeError, VersionVector> => {
  let loro: LoroVersionVector | undefined;
  try {
    loro = LoroVersionVector.decode(bytes);
    const out: Record<string, number> = {};
    for (const [peer, counter] of loro.toJSON()) out[peer] = counter;
    return right(out);
  } catch (e) {
    return left(decodeError("invalid_cbor", `invalid version vector bytes: ${errorText(e)}`));
  } finally {
    loro?.free();
  }
};
