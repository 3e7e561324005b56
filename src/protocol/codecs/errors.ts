/** Turns io-ts validation errors into the plain-data `ProtocolError` the engine reports. */
import type * as t from "io-ts";
import { type ChannelMsgType, MESSAGE_TYPES } from "../messages.js";
import { BatchableTypeC, BatchItemC } from "./batch.js";
import { MessageTypeC } from "./channel.js";
import { isPlainObject, renderValue } from "./render.js";

/**
 * Why a received value was dropped. Plain data, so it can travel in events and logs.
 * - `code`: `unknown-type` when a message's `type` names no message of spec §4.1 (a newer or
 *   foreign peer, worth telling apart from garbage); `invalid-message` otherwise.
 * - `messageType`: the innermost known message type on the path to the failure, if any.
 * - `path`: where it failed, rooted at the message type or at `message` when there is none.
 * - `message`: `<path>: expected <what>, got <rendered value>`.
 */
export interface ProtocolError {
  readonly code: "invalid-message" | "unknown-type";
  readonly messageType?: string;
  readonly path: string;
  readonly message: string;
}

const KNOWN_TYPES: ReadonlySet<unknown> = new Set(MESSAGE_TYPES);
const TAG_CODECS: ReadonlySet<t.Decoder<unknown, unknown>> = new Set([
  MessageTypeC,
  BatchableTypeC,
]);

/** The known message type of `u`; reading it must not throw whatever `u` is. */
const knownTypeOf = (u: unknown): ChannelMsgType | undefined => {
  try {
    if (!isPlainObject(u)) return undefined;
    const d = Object.getOwnPropertyDescriptor(u, "type");
    const tag: unknown = d !== undefined && "value" in d ? d.value : undefined;
    return KNOWN_TYPES.has(tag) ? (tag as ChannelMsgType) : undefined;
  } catch {
    return undefined;
  }
};

const withPath = (
  code: ProtocolError["code"],
  messageType: string | undefined,
  path: string,
  detail: string,
): ProtocolError => {
  const message = `${path}: ${detail}`;
  return messageType === undefined ? { code, path, message } : { code, messageType, path, message };
};

/**
 * Reports the first error only: one is enough to drop a message and to fix the sender. `root`
 * names the decoded value when it is not a message (e.g. "identity").
 */
export const toProtocolError = (errors: t.Errors, root?: string): ProtocolError => {
  const [first] = errors;
  const fallback = root ?? "message";
  if (first === undefined) return withPath("invalid-message", undefined, fallback, "invalid");
  const entries = first.context;
  const rootType = root === undefined ? knownTypeOf(entries[0]?.actual) : undefined;
  let path: string = rootType ?? fallback;
  let messageType: string | undefined = rootType;
  entries.forEach((entry, i) => {
    if (i === 0) return;
    path += entry.key.startsWith("[") ? entry.key : `.${entry.key}`;
    if (entry.type === BatchItemC) messageType = knownTypeOf(entry.actual) ?? messageType;
  });
  const last = entries[entries.length - 1];
  const expected = first.message ?? last?.type.name ?? "a valid message";
  const unknownType =
    last !== undefined &&
    TAG_CODECS.has(last.type) &&
    typeof first.value === "string" &&
    !KNOWN_TYPES.has(first.value);
  return withPath(
    unknownType ? "unknown-type" : "invalid-message",
    messageType,
    path,
    `expected ${expected}, got ${renderValue(first.value)}`,
  );
};

/** For values that could not even be read (a throwing getter or Proxy trap). */
export const unreadable = (error: unknown): ProtocolError => {
  let why: string;
  try {
    why = String(error);
  } catch {
    why = "unknown error";
  }
  return withPath(
    "invalid-message",
    undefined,
    "message",
    `could not be read: ${renderValue(why)}`,
  );
};
