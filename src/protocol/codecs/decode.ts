/** Entry points the engine calls on every received value. Neither ever throws. */
import { type Either, isLeft, isRight, left, mapLeft } from "fp-ts/lib/Either.js";
import type { ChannelMsg } from "../messages.js";
import { decodeBatchItems } from "./batch.js";
import { ChannelMsgC } from "./channel.js";
import { FAST } from "./combinators.js";
import { type ProtocolError, toProtocolError, unreadable } from "./errors.js";
import { isPlainObject } from "./render.js";

/** Validates one received value; a bad inner message fails the whole batch. */
export const decodeChannelMsg = (input: unknown): Either<ProtocolError, ChannelMsg> => {
  try {
    // Optimistic pass without paths; a failure is validated again to say where (combinators.ts).
    const fast = ChannelMsgC.validate(input, FAST);
    if (isRight(fast)) return fast;
    return mapLeft(toProtocolError)(ChannelMsgC.decode(input));
  } catch (e) {
    return left(unreadable(e));
  }
};

export interface Inbound {
  readonly messages: ChannelMsg[];
  readonly errors: ProtocolError[];
}

const isBatchShaped = (u: unknown): boolean => isPlainObject(u) && u.type === "channel/batch";

/**
 * Like `decodeChannelMsg`, but a batch keeps its valid inner messages (flattened, as one batch)
 * and reports each invalid one separately, so one bad inner message never costs the good ones
 * (spec §4.14, §15.1 item 11). A batch whose inner messages are all invalid yields no message.
 */
export const decodeInbound = (input: unknown): Inbound => {
  try {
    if (!isBatchShaped(input)) {
      const r = decodeChannelMsg(input);
      return isLeft(r) ? { messages: [], errors: [r.left] } : { messages: [r.right], errors: [] };
    }
    const fast = decodeBatchItems(input, FAST);
    const r =
      isRight(fast) && fast.right.errors.length === 0
        ? fast
        : decodeBatchItems(input, [{ key: "", type: ChannelMsgC, actual: input }]);
    if (isLeft(r)) return { messages: [], errors: [toProtocolError(r.left)] };
    const { messages, errors } = r.right;
    const keep = errors.length === 0 || messages.length > 0;
    return {
      messages: keep ? [{ type: "channel/batch", messages }] : [],
      errors: errors.map((e) => toProtocolError(e)),
    };
  } catch (e) {
    return { messages: [], errors: [unreadable(e)] };
  }
};
