/**
 * The local node's identity (spec §2.1). Remote identities are only checked by `IdentityC`
 * (any non-empty peerId); the local peerId is stricter because it becomes the Loro peer id of
 * every document this node creates.
 */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import { toProtocolError } from "./codecs/errors.js";
import { renderValue } from "./codecs/render.js";
import { IdentityC } from "./codecs/structures.js";
import type { Identity, PeerId } from "./messages.js";

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * The largest accepted local peerId: 2^64 − 2. The spec's bound is 2^64 − 1, but Loro rejects
 * 2^64 − 1 as a document peer id (note N-33), and that is what the local peerId becomes.
 */
export const MAX_LOCAL_PEER_ID = 18446744073709551614n;

export const isValidLocalPeerId = (s: unknown): s is PeerId =>
  typeof s === "string" && s.length <= 20 && DECIMAL.test(s) && BigInt(s) <= MAX_LOCAL_PEER_ID;

/**
 * Checks an application-supplied identity at construction time. Fills `type` ("user") like a
 * received identity; generating a missing peerId is the caller's job (`peerIdFromBytes`).
 */
export const validateLocalIdentity = (identity: unknown): Either<string, Identity> => {
  const r = IdentityC.decode(identity);
  if (isLeft(r)) {
    return left(`invalid local ${toProtocolError(r.left, "identity").message}`);
  }
  if (!isValidLocalPeerId(r.right.peerId)) {
    return left(
      `invalid local identity.peerId: expected a decimal integer from 0 to ${MAX_LOCAL_PEER_ID} ` +
        `without sign, leading zeros or spaces, got ${renderValue(r.right.peerId)}`,
    );
  }
  return right(r.right);
};

/**
 * A peerId from the first 8 bytes, big-endian unsigned (spec §2.1). The bytes come from the
 * caller (crypto randomness in the engine) so this stays pure. The one value Loro refuses,
 * 2^64 − 1, is mapped to 2^64 − 2; the bias is 2^-64.
 */
export const peerIdFromBytes = (bytes: Uint8Array): PeerId => {
  if (bytes.length < 8) throw new RangeError(`peerIdFromBytes needs 8 bytes, got ${bytes.length}`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false);
  return String(n > MAX_LOCAL_PEER_ID ? MAX_LOCAL_PEER_ID : n);
};
