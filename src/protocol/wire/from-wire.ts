/**
 * A decoded CBOR value → our message shape (spec §13.2.2), renaming keys and converting
 * version-vector bytes. Shapes are not checked here: a value of the wrong kind is passed on
 * as it is, for the engine's codecs to reject with a readable path. Only what stops us from
 * knowing which keys to rename is an error: a message that is not a map (`invalid_cbor`) or
 * has an unknown type code (`invalid_type`), and version bytes Loro cannot read.
 */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import type { ChannelMsgType } from "../messages.js";
import { isBytes } from "./bytes.js";
import { MESSAGE_CODES, TRANSMISSION_CODES } from "./constants.js";
import type { DecodedMsg } from "./decoded-message.js";
import { type DecodeError, decodeError } from "./errors.js";
import { decodeVersionVector } from "./version-vector-bytes.js";

/**
 * No sender nests batches (the codecs accept 8 levels); this only bounds our own recursion on
 * hostile input.
 */
const MAX_NESTING = 32;

const TYPE_BY_CODE = new Map<unknown, ChannelMsgType>(
  Object.entries(MESSAGE_CODES).map(([type, code]) => [code, type as ChannelMsgType]),
);
const TRANSMISSION_BY_CODE = new Map<unknown, string>(
  Object.entries(TRANSMISSION_CODES).map(([type, code]) => [code, type]),
);

type Fields = Record<string, unknown>;

class Rejected {
  constructor(readonly error: DecodeError) {}
}

const isMap = (u: unknown): u is Fields =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !ArrayBuffer.isView(u);

/** The spec treats a missing key, `undefined` and `null` alike (§13.2.2). */
const present = (u: unknown): boolean => u !== undefined && u !== null;

/** Copies `from[wireKey]` to `to[key]` when present, converted by `convert`. */
const copy = (
  to: Fields,
  key: string,
  from: Fields,
  wireKey: string,
  convert: (u: unknown) => unknown = (u) => u,
): void => {
  const value = from[wireKey];
  if (present(value)) to[key] = convert(value);
};

/**
 * Version vectors travel as byte strings only (§13.2.3). A CBOR map here would pass the codecs,
 * which also serve the JSON encoding, where a vector is an object (§13.1).
 */
const version = (u: unknown): unknown => {
  if (!isBytes(u)) {
    throw new Rejected(decodeError("invalid_cbor", "a version vector is not a CBOR byte string"));
  }
  const vv = decodeVersionVector(u);
  if (isLeft(vv)) throw new Rejected(vv.left);
  return vv.right;
};

const presenceEntry = (u: unknown): unknown => {
  if (!isMap(u)) return u;
  const out: Fields = {};
  copy(out, "peerId", u, "p");
  copy(out, "data", u, "d");
  copy(out, "namespace", u, "ns");
  return out;
};

/** Absent and empty presence lists mean the same (§13.2.2); we leave both out. */
const copyPresence = (to: Fields, from: Fields): void => {
  const list = from.e;
  if (!present(list)) return;
  if (Array.isArray(list) && list.length === 0) return;
  to.ephemeral = Array.isArray(list) ? list.map(presenceEntry) : list;
};

const transmission = (u: unknown): unknown => {
  if (!isMap(u)) return u;
  const out: Fields = {};
  // The kind is an integer code (§13.2.2): a name in its place ("snapshot") is not read as that
  // kind. An unknown code becomes a label no codec accepts, which still names it in the error.
  copy(out, "type", u, "k", (k) => TRANSMISSION_BY_CODE.get(k) ?? `unknown kind code ${String(k)}`);
  copy(out, "data", u, "d");
  copy(out, "version", u, "v", version);
  return out;
};

/**
 * The resume extension (docs/RESUME.md §3): `rs` → `{s, k?: [{s, d}]}` in a request, `{s, a}` in
 * a response. The reference decoder reads keys by name, so it never sees `rs`.
 */
const resume = (u: unknown): unknown => {
  if (!isMap(u)) return u;
  const out: Fields = {};
  copy(out, "session", u, "s");
  copy(out, "known", u, "k", (k) =>
    Array.isArray(k)
      ? k.map((p: unknown) => {
          if (!isMap(p)) return p;
          const proposal: Fields = {};
          copy(proposal, "session", p, "s");
          copy(proposal, "digest", p, "d");
          return proposal;
        })
      : k,
  );
  copy(out, "accepted", u, "a");
  return out;
};

const message = (u: unknown, depth: number): DecodedMsg => {
  if (!isMap(u)) throw new Rejected(decodeError("invalid_cbor", "a message is not a CBOR map"));
  const type = TYPE_BY_CODE.get(u.t);
  if (type === undefined) {
    throw new Rejected(decodeError("invalid_type", `unknown message type code ${String(u.t)}`));
  }
  const out: Fields = { type };
  switch (type) {
    case "channel/establish-request":
    case "channel/establish-response": {
      const identity: Fields = {};
      copy(identity, "peerId", u, "id");
      copy(identity, "name", u, "n");
      // Only an absent type defaults (§4.2); `null` is kept for the codec to reject. CBOR
      // `undefined` is absent, as in the JSON encoding.
      if (u.y !== undefined) identity.type = u.y;
      out.identity = identity;
      copy(out, "resume", u, "rs", resume);
      break;
    }
    case "channel/sync-request":
      copy(out, "docId", u, "doc");
      copy(out, "requesterDocVersion", u, "v", version);
      copyPresence(out, u);
      copy(out, "bidirectional", u, "bi");
      break;
    case "channel/sync-response":
      copy(out, "docId", u, "doc");
      copy(out, "transmission", u, "tx", transmission);
      copyPresence(out, u);
      break;
    case "channel/update":
      copy(out, "docId", u, "doc");
      copy(out, "transmission", u, "tx", transmission);
      break;
    case "channel/directory-request":
    case "channel/directory-response":
    case "channel/new-doc":
      copy(out, "docIds", u, "docs");
      break;
    case "channel/delete-request":
      copy(out, "docId", u, "doc");
      break;
    case "channel/delete-response":
      copy(out, "docId", u, "doc");
      copy(out, "status", u, "s");
      break;
    case "channel/ephemeral":
      copy(out, "docId", u, "doc");
      copy(out, "hopsRemaining", u, "h");
      copy(out, "stores", u, "st", (st) => (Array.isArray(st) ? st.map(presenceEntry) : st));
      break;
    case "channel/batch":
      if (depth >= MAX_NESTING) {
        throw new Rejected(decodeError("invalid_cbor", `batches nested over ${MAX_NESTING} deep`));
      }
      copy(out, "messages", u, "m", (m) =>
        Array.isArray(m) ? m.map((inner) => message(inner, depth + 1)) : m,
      );
      break;
  }
  return out as DecodedMsg;
};

const run = <A>(f: () => A): Either<DecodeError, A> => {
  try {
    return right(f());
  } catch (e) {
    if (e instanceof Rejected) return left(e.error);
    // Only a stack overflow on absurd input can get here.
    return left(decodeError("invalid_cbor", `cannot map message: ${String(e)}`));
  }
};

/** One message map; an error anywhere inside (a batch's inner message) loses all of it. */
export const fromWire = (value: unknown): Either<DecodeError, DecodedMsg> =>
  run(() => message(value, 0));

const ESTABLISHMENT: ReadonlySet<string> = new Set([
  "channel/establish-request",
  "channel/establish-response",
]);

/**
 * The payload of a `BATCH`-flag frame: an array of message maps. Its messages are delivered one
 * by one, so an establishment message inside would establish the channel although batches never
 * carry one (§4.14): it loses the frame, like any error in a payload (§13.2.1).
 */
export const fromWireArray = (value: unknown): Either<DecodeError, DecodedMsg[]> =>
  Array.isArray(value)
    ? run(() =>
        value.map((m) => {
          const decoded = message(m, 0);
          if (ESTABLISHMENT.has(decoded.type)) {
            throw new Rejected(
              decodeError("invalid_type", `${decoded.type} inside a BATCH-flag frame`),
            );
          }
          return decoded;
        }),
      )
    : left(decodeError("invalid_cbor", "a BATCH frame's payload is not a CBOR array"));
