/**
 * Our message shape → the short-key CBOR map of spec §13.2.2, keys in the reference's order
 * (so the worked examples come out byte for byte), absent optional keys left out.
 */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type {
  ChannelMsg,
  EstablishRequestMsg,
  EstablishResponseMsg,
  Identity,
  PresenceEntry,
  SyncTransmission,
} from "../messages.js";
import type { VersionVector } from "../version-vector.js";
import { isBytes, plainBytes } from "./bytes.js";
import { encodeWireCbor, RawCbor } from "./cbor-encode.js";
import { MESSAGE_CODES, TRANSMISSION_CODES } from "./constants.js";
import { type EncodeError, unencodable } from "./errors.js";
import { encodeVersionVector } from "./version-vector-bytes.js";

export type WireMap = { [key: string]: unknown };

/** Carries an encode failure out of the recursive builders; never escapes this module. */
class Refused {
  constructor(readonly error: EncodeError) {}
}

const bytes = (value: unknown, field: string): Uint8Array => {
  if (!isBytes(value)) throw new Refused(unencodable(`${field} is not a Uint8Array`));
  return plainBytes(value);
};

const version = (vv: VersionVector): Uint8Array => {
  const encoded = encodeVersionVector(vv);
  if (isLeft(encoded)) throw new Refused(encoded.left);
  return encoded.right;
};

const identity = (code: number, id: Identity): WireMap => {
  const out: WireMap = { t: code, id: id.peerId };
  if (id.name !== undefined) out.n = id.name;
  out.y = id.type;
  return out;
};

/** docs/RESUME.md §3: the resume extension under `rs`, after the identity's keys. */
const establishment = (msg: EstablishRequestMsg | EstablishResponseMsg): WireMap => {
  const out = identity(MESSAGE_CODES[msg.type], msg.identity);
  const rs = msg.resume;
  if (rs === undefined) return out;
  if ("accepted" in rs) out.rs = { s: rs.session, a: rs.accepted };
  else
    out.rs =
      rs.known === undefined
        ? { s: rs.session }
        : { s: rs.session, k: rs.known.map((p) => ({ s: p.session, d: p.digest })) };
  return out;
};

const presence = (entries: readonly PresenceEntry[]): WireMap[] =>
  entries.map((e) => ({ p: e.peerId, d: bytes(e.data, "presence data"), ns: e.namespace }));

const transmission = (tx: SyncTransmission): WireMap => {
  switch (tx.type) {
    case "up-to-date":
      return { k: TRANSMISSION_CODES["up-to-date"], v: version(tx.version) };
    case "snapshot":
    case "update":
      return {
        k: TRANSMISSION_CODES[tx.type],
        d: bytes(tx.data, "transmission data"),
        v: version(tx.version),
      };
    case "unavailable":
      return { k: TRANSMISSION_CODES.unavailable };
    default:
      throw new Refused(
        unencodable(`unknown transmission type ${String((tx as { type: unknown }).type)}`),
      );
  }
};

const message = (msg: ChannelMsg): WireMap => {
  switch (msg.type) {
    case "channel/establish-request":
    case "channel/establish-response":
      return establishment(msg);
    case "channel/sync-request": {
      const out: WireMap = {
        t: MESSAGE_CODES[msg.type],
        doc: msg.docId,
        v: version(msg.requesterDocVersion),
      };
      // Empty and absent mean the same (spec §13.2.2); omitting matches the JSON encoding.
      if (msg.ephemeral !== undefined && msg.ephemeral.length > 0) out.e = presence(msg.ephemeral);
      out.bi = msg.bidirectional;
      return out;
    }
    case "channel/sync-response": {
      const out: WireMap = {
        t: MESSAGE_CODES[msg.type],
        doc: msg.docId,
        tx: transmission(msg.transmission),
      };
      if (msg.ephemeral !== undefined && msg.ephemeral.length > 0) out.e = presence(msg.ephemeral);
      return out;
    }
    case "channel/update":
      return { t: MESSAGE_CODES[msg.type], doc: msg.docId, tx: transmission(msg.transmission) };
    case "channel/directory-request":
      return msg.docIds === undefined
        ? { t: MESSAGE_CODES[msg.type] }
        : { t: MESSAGE_CODES[msg.type], docs: [...msg.docIds] };
    case "channel/directory-response":
    case "channel/new-doc":
      return { t: MESSAGE_CODES[msg.type], docs: [...msg.docIds] };
    case "channel/delete-request":
      return { t: MESSAGE_CODES[msg.type], doc: msg.docId };
    case "channel/delete-response":
      return { t: MESSAGE_CODES[msg.type], doc: msg.docId, s: msg.status };
    case "channel/ephemeral":
      return {
        t: MESSAGE_CODES[msg.type],
        doc: msg.docId,
        h: msg.hopsRemaining,
        st: presence(msg.stores),
      };
    case "channel/batch":
      return { t: MESSAGE_CODES[msg.type], m: msg.messages.map(inner) };
    default:
      throw new Refused(
        unencodable(`unknown message type ${String((msg as { type: unknown }).type)}`),
      );
  }
};

/** Relays and updates small enough to be worth keeping encoded (bytes of payload). */
const SPLICE_LIMIT = 16 * 1024;

const payloadSize = (msg: ChannelMsg): number => {
  if (msg.type === "channel/ephemeral") {
    let total = 0;
    for (const store of msg.stores) total += store.data.length;
    return total;
  }
  if (msg.type === "channel/update" && "data" in msg.transmission) {
    return msg.transmission.data.length;
  }
  return Number.POSITIVE_INFINITY;
};

/**
 * Inner messages of batches, already encoded, by message object. A hub's flush window gathers
 * many relays into one batch per channel, and every channel's batch holds the same relay
 * objects (one per fan-out): each is encoded once and spliced into every batch, instead of
 * being re-encoded for each of 500 channels (the W9 profile: CBOR encoding was a third of
 * the hub's time). Only presence and small updates, the messages a fan-out shares.
 */
const encodedInner = new WeakMap<ChannelMsg, RawCbor>();

const inner = (msg: ChannelMsg): WireMap | RawCbor => {
  const cached = encodedInner.get(msg);
  if (cached !== undefined) return cached;
  const wire = message(msg);
  if (payloadSize(msg) > SPLICE_LIMIT) return wire;
  let raw: RawCbor;
  try {
    raw = new RawCbor(encodeWireCbor(wire));
  } catch (e) {
    throw new Refused(unencodable(`CBOR encoding failed: ${String(e)}`));
  }
  encodedInner.set(msg, raw);
  return raw;
};

export const toWire = (msg: ChannelMsg): Either<EncodeError, WireMap> => {
  try {
    return right(message(msg));
  } catch (e) {
    if (e instanceof Refused) return left(e.error);
    return left(unencodable(`cannot encode ${String(msg?.type)}: ${String(e)}`));
  }
};
