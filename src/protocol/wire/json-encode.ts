/**
 * Our message shape → the JSON channel encoding of spec §13.1 (SSE, long-polling, 5.4.2
 * WebRTC). Key order follows the reference's output, so the spec's examples match byte for
 * byte; absent optional fields and empty presence lists are left out.
 */
import { type Either, left, right } from "fp-ts/lib/Either.js";
import type {
  ChannelMsg,
  Identity,
  PresenceEntry,
  ResumeAnswer,
  ResumeRequest,
  SyncTransmission,
} from "../messages.js";
import type { VersionVector } from "../version-vector.js";
import { encodeBase64 } from "./base64.js";
import { isBytes } from "./bytes.js";
import { type EncodeError, unencodable } from "./errors.js";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

class Refused {
  constructor(readonly error: EncodeError) {}
}

const base64 = (value: unknown, field: string): string => {
  if (!isBytes(value)) throw new Refused(unencodable(`${field} is not a Uint8Array`));
  return encodeBase64(value);
};

const version = (vv: VersionVector): JsonObject => {
  const out: JsonObject = {};
  for (const [peer, counter] of Object.entries(vv)) out[peer] = counter;
  return out;
};

const identity = (id: Identity): JsonObject => {
  const out: JsonObject = { peerId: id.peerId };
  if (id.name !== undefined) out.name = id.name;
  out.type = id.type;
  return out;
};

/** docs/RESUME.md §3. */
const resumeJson = (rs: ResumeRequest | ResumeAnswer): JsonObject => {
  if ("accepted" in rs) return { session: rs.session, accepted: rs.accepted };
  return rs.known === undefined
    ? { session: rs.session }
    : {
        session: rs.session,
        known: rs.known.map((p) => ({ session: p.session, digest: p.digest })),
      };
};

const presence = (entries: readonly PresenceEntry[]): JsonObject[] =>
  entries.map((e) => ({
    peerId: e.peerId,
    data: base64(e.data, "presence data"),
    namespace: e.namespace,
  }));

const transmission = (tx: SyncTransmission): JsonObject => {
  switch (tx.type) {
    case "up-to-date":
      return { type: tx.type, version: version(tx.version) };
    case "snapshot":
    case "update":
      return {
        type: tx.type,
        data: base64(tx.data, "transmission data"),
        version: version(tx.version),
      };
    case "unavailable":
      return { type: tx.type };
    default:
      throw new Refused(
        unencodable(`unknown transmission type ${String((tx as { type: unknown }).type)}`),
      );
  }
};

const message = (msg: ChannelMsg): JsonObject => {
  switch (msg.type) {
    case "channel/establish-request":
    case "channel/establish-response":
      return msg.resume === undefined
        ? { type: msg.type, identity: identity(msg.identity) }
        : { type: msg.type, identity: identity(msg.identity), resume: resumeJson(msg.resume) };
    case "channel/sync-request": {
      const out: JsonObject = {
        type: msg.type,
        docId: msg.docId,
        requesterDocVersion: version(msg.requesterDocVersion),
        bidirectional: msg.bidirectional,
      };
      if (msg.ephemeral !== undefined && msg.ephemeral.length > 0) {
        out.ephemeral = presence(msg.ephemeral);
      }
      return out;
    }
    case "channel/sync-response": {
      const out: JsonObject = {
        type: msg.type,
        docId: msg.docId,
        transmission: transmission(msg.transmission),
      };
      if (msg.ephemeral !== undefined && msg.ephemeral.length > 0) {
        out.ephemeral = presence(msg.ephemeral);
      }
      return out;
    }
    case "channel/update":
      return { type: msg.type, docId: msg.docId, transmission: transmission(msg.transmission) };
    case "channel/directory-request":
      return msg.docIds === undefined
        ? { type: msg.type }
        : { type: msg.type, docIds: [...msg.docIds] };
    case "channel/directory-response":
    case "channel/new-doc":
      return { type: msg.type, docIds: [...msg.docIds] };
    case "channel/delete-request":
      return { type: msg.type, docId: msg.docId };
    case "channel/delete-response":
      return { type: msg.type, docId: msg.docId, status: msg.status };
    case "channel/ephemeral":
      return {
        type: msg.type,
        docId: msg.docId,
        hopsRemaining: msg.hopsRemaining,
        stores: presence(msg.stores),
      };
    case "channel/batch":
      return { type: msg.type, messages: msg.messages.map(message) };
    default:
      throw new Refused(
        unencodable(`unknown message type ${String((msg as { type: unknown }).type)}`),
      );
  }
};

/** The JSON object, for containers such as the long-poll response `{messages, isNewConnection}`. */
export const messageToJson = (msg: ChannelMsg): Either<EncodeError, JsonObject> => {
  try {
    return right(message(msg));
  } catch (e) {
    if (e instanceof Refused) return left(e.error);
    return left(unencodable(`cannot encode ${String(msg?.type)}: ${String(e)}`));
  }
};

/** The JSON text of one message: an SSE event's data, a POST body. */
export const encodeJson = (msg: ChannelMsg): Either<EncodeError, string> => {
  const json = messageToJson(msg);
  return json._tag === "Left" ? json : right(JSON.stringify(json.right));
};
