/**
 * JSON channel encoding (spec §13.1) → our message shape: base64 → bytes, version-vector
 * objects copied as plain records. As with the binary decoder, shapes are left to the codecs;
 * only what prevents mapping is an error (not JSON, not an object, unknown `type`, bad base64).
 */
import { type Either, left, right } from "fp-ts/lib/Either.js";
import { type ChannelMsgType, MESSAGE_TYPES } from "../messages.js";
import { decodeBase64 } from "./base64.js";
import type { DecodedMsg } from "./decoded-message.js";
import { type DecodeError, decodeError, errorText } from "./errors.js";

type Fields = Record<string, unknown>;

const MAX_NESTING = 32;
const TYPES: ReadonlySet<unknown> = new Set(MESSAGE_TYPES);

class Rejected {
  constructor(readonly error: DecodeError) {}
}

const isObject = (u: unknown): u is Fields =>
  typeof u === "object" && u !== null && !Array.isArray(u);
const present = (u: unknown): boolean => u !== undefined && u !== null;

const copy = (
  to: Fields,
  from: Fields,
  key: string,
  convert: (u: unknown) => unknown = (u) => u,
): void => {
  const value = from[key];
  if (present(value)) to[key] = convert(value);
};

const bytes = (u: unknown): unknown => {
  if (typeof u !== "string") return u;
  const decoded = decodeBase64(u);
  if (decoded === undefined)
    throw new Rejected(decodeError("invalid_base64", "a data field is not base64"));
  return decoded;
};

/** A fresh plain record, so prototypes or accessors of the input never reach the engine. */
const version = (u: unknown): unknown => {
  if (!isObject(u)) return u;
  const out: Fields = {};
  for (const [peer, counter] of Object.entries(u)) {
    Object.defineProperty(out, peer, {
      value: counter,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
};

const presenceEntry = (u: unknown): unknown => {
  if (!isObject(u)) return u;
  const out: Fields = {};
  copy(out, u, "peerId");
  copy(out, u, "data", bytes);
  copy(out, u, "namespace");
  return out;
};

const presenceList = (u: unknown): unknown => (Array.isArray(u) ? u.map(presenceEntry) : u);

const transmission = (u: unknown): unknown => {
  if (!isObject(u)) return u;
  const out: Fields = {};
  copy(out, u, "type");
  copy(out, u, "data", bytes);
  copy(out, u, "version", version);
  return out;
};

const identity = (u: unknown): unknown => {
  if (!isObject(u)) return u;
  const out: Fields = {};
  copy(out, u, "peerId");
  copy(out, u, "name");
  copy(out, u, "type");
  return out;
};

/** docs/RESUME.md §3: `resume` keeps only its own keys. */
const resume = (u: unknown): unknown => {
  if (!isObject(u)) return u;
  const out: Fields = {};
  copy(out, u, "session");
  copy(out, u, "known", (k) =>
    Array.isArray(k)
      ? k.map((p: unknown) => {
          if (!isObject(p)) return p;
          const proposal: Fields = {};
          copy(proposal, p, "session");
          copy(proposal, p, "digest");
          return proposal;
        })
      : k,
  );
  copy(out, u, "accepted");
  return out;
};

const message = (u: unknown, depth: number): DecodedMsg => {
  if (!isObject(u))
    throw new Rejected(decodeError("invalid_json", "a message is not a JSON object"));
  const type = u.type;
  if (!TYPES.has(type)) {
    throw new Rejected(
      decodeError("invalid_type", `unknown message type ${JSON.stringify(type) ?? "undefined"}`),
    );
  }
  const out: Fields = { type };
  switch (type as ChannelMsgType) {
    case "channel/establish-request":
    case "channel/establish-response":
      copy(out, u, "identity", identity);
      copy(out, u, "resume", resume);
      break;
    case "channel/sync-request":
      copy(out, u, "docId");
      copy(out, u, "requesterDocVersion", version);
      copy(out, u, "bidirectional");
      if (!(Array.isArray(u.ephemeral) && u.ephemeral.length === 0))
        copy(out, u, "ephemeral", presenceList);
      break;
    case "channel/sync-response":
      copy(out, u, "docId");
      copy(out, u, "transmission", transmission);
      if (!(Array.isArray(u.ephemeral) && u.ephemeral.length === 0))
        copy(out, u, "ephemeral", presenceList);
      break;
    case "channel/update":
      copy(out, u, "docId");
      copy(out, u, "transmission", transmission);
      break;
    case "channel/directory-request":
    case "channel/directory-response":
    case "channel/new-doc":
      copy(out, u, "docIds");
      break;
    case "channel/delete-request":
      copy(out, u, "docId");
      break;
    case "channel/delete-response":
      copy(out, u, "docId");
      copy(out, u, "status");
      break;
    case "channel/ephemeral":
      copy(out, u, "docId");
      copy(out, u, "hopsRemaining");
      copy(out, u, "stores", presenceList);
      break;
    case "channel/batch":
      if (depth >= MAX_NESTING) {
        throw new Rejected(decodeError("invalid_json", `batches nested over ${MAX_NESTING} deep`));
      }
      copy(out, u, "messages", (m) =>
        Array.isArray(m) ? m.map((inner) => message(inner, depth + 1)) : m,
      );
      break;
  }
  return out as DecodedMsg;
};

/** From an already parsed value (a long-poll response's `messages` entries, for instance). */
export const messageFromJson = (value: unknown): Either<DecodeError, DecodedMsg> => {
  try {
    return right(message(value, 0));
  } catch (e) {
    if (e instanceof Rejected) return left(e.error);
    return left(decodeError("invalid_json", `cannot map message: ${errorText(e)}`));
  }
};

export const decodeJson = (text: string): Either<DecodeError, DecodedMsg> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return left(decodeError("invalid_json", `not JSON: ${errorText(e)}`));
  }
  return messageFromJson(value);
};
