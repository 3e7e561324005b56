/**
 * `channel/batch` (spec §4.14): nested batches are flattened, establishment messages inside are
 * errors, and every inner message is judged on its own so that callers which want to keep the
 * good ones (`decodeInbound`) can.
 */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { type BatchableMsg, type BatchMsg, MESSAGE_TYPES } from "../messages.js";
import { appendAt, type Codec, codec, indexKey, literal, oneOf } from "./combinators.js";
import { BATCHABLE_CODECS, ESTABLISHMENT_CODECS } from "./messages.js";
import { isPlainObject } from "./render.js";

/**
 * No sender nests batches; the reference recurses without bound. A small bound keeps a hostile
 * frame of deeply nested batches from exhausting the stack.
 */
export const MAX_BATCH_NESTING = 8;

/**
 * Context marker for one message inside a batch: the reporter looks for it to name the inner
 * message's type. Never used to decode.
 */
export const BatchItemC: Codec<unknown> = codec('an object with a string "type"', (u) =>
  t.success(u),
);

export const BatchableTypeC: Codec<BatchableMsg["type"]> = oneOf(
  MESSAGE_TYPES.filter((type): type is BatchableMsg["type"] => BATCHABLE_CODECS.has(type)),
  "a batchable message type",
);

const BatchTagC = literal("channel/batch");
const MessagesArrayC: Codec<unknown> = codec("array of messages", (u) => t.success(u));

export interface BatchItems {
  readonly messages: BatchableMsg[];
  /** One entry per rejected inner message, in order. */
  readonly errors: t.Errors[];
}

const fail = (value: unknown, context: t.Context, message?: string): t.Errors =>
  message === undefined ? [{ value, context }] : [{ value, context, message }];

/** The `messages` array of a batch-shaped object, or why there is none. */
const messagesOf = (u: Record<string, unknown>, c: t.Context): Either<t.Errors, unknown[]> => {
  const messages = u.messages;
  return Array.isArray(messages)
    ? right(messages)
    : left(fail(messages, appendAt(c, "messages", MessagesArrayC, messages)));
};

const decodeItem = (item: unknown, c: t.Context, depth: number, acc: BatchItems): void => {
  if (!isPlainObject(item) || typeof item.type !== "string") {
    acc.errors.push(fail(item, c));
    return;
  }
  const tag = item.type;
  if (tag === "channel/batch") {
    if (depth >= MAX_BATCH_NESTING) {
      acc.errors.push(fail(item, c, `a message (batches nest at most ${MAX_BATCH_NESTING} deep)`));
      return;
    }
    const inner = messagesOf(item, c);
    if (isLeft(inner)) acc.errors.push(inner.left);
    else collect(inner.right, appendAt(c, "messages", MessagesArrayC, inner.right), depth + 1, acc);
    return;
  }
  const member = BATCHABLE_CODECS.get(tag);
  if (member === undefined) {
    const at = appendAt(c, "type", BatchableTypeC, tag);
    const why = ESTABLISHMENT_CODECS.has(tag)
      ? "a batchable message type (establishment messages are not allowed in a batch)"
      : undefined;
    acc.errors.push(fail(tag, at, why));
    return;
  }
  const r = member.validate(item, c);
  if (isLeft(r)) acc.errors.push(r.left);
  else acc.messages.push(r.right);
};

const collect = (items: readonly unknown[], c: t.Context, depth: number, acc: BatchItems): void => {
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const at = appendAt(c, () => indexKey(i), BatchItemC, item);
    try {
      decodeItem(item, at, depth, acc);
    } catch {
      // A throwing getter or Proxy trap costs only its own message, not the whole batch.
      acc.errors.push(fail(item, at, "a message whose fields can be read"));
    }
  }
};

/**
 * Decodes a batch's inner messages one by one (flattened, in order). `Left` only when the batch
 * itself is malformed, i.e. it is not an object or its `messages` is not an array.
 */
export const decodeBatchItems = (u: unknown, c: t.Context): Either<t.Errors, BatchItems> => {
  if (!isPlainObject(u)) return left(fail(u, c));
  if (u.type !== "channel/batch") {
    return left(fail(u.type, appendAt(c, "type", BatchTagC, u.type)));
  }
  const messages = messagesOf(u, c);
  if (isLeft(messages)) return messages;
  const acc: BatchItems = { messages: [], errors: [] };
  collect(messages.right, appendAt(c, "messages", MessagesArrayC, messages.right), 0, acc);
  return right(acc);
};

/** Fails on the first bad inner message; see `decodeInbound` for the forgiving variant. */
export const BatchMsgC: Codec<BatchMsg> = codec("message object", (u, c) => {
  const r = decodeBatchItems(u, c);
  if (isLeft(r)) return t.failures(r.left);
  const [first] = r.right.errors;
  if (first !== undefined) return t.failures(first);
  return t.success({ type: "channel/batch", messages: r.right.messages });
});
