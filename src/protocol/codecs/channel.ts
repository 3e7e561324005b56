/** The codec of any received channel message: dispatch on `type` to the per-message codecs. */
import * as t from "io-ts";
import {
  type BatchableMsg,
  type ChannelMsg,
  type ChannelMsgType,
  MESSAGE_TYPES,
} from "../messages.js";
import { BatchableTypeC, BatchMsgC } from "./batch.js";
import { type Codec, codec, type Decoder, oneOf } from "./combinators.js";
import { BATCHABLE_CODECS, ESTABLISHMENT_CODECS } from "./messages.js";
import { isPlainObject } from "./render.js";

export const MessageTypeC: Codec<ChannelMsgType> = oneOf(MESSAGE_TYPES, "a known message type");

const CHANNEL_CODECS: ReadonlyMap<string, Decoder<ChannelMsg>> = new Map<
  string,
  Decoder<ChannelMsg>
>([...ESTABLISHMENT_CODECS, ...BATCHABLE_CODECS, ["channel/batch", BatchMsgC]]);

/**
 * A value without a string `type` is reported as a whole (`message: expected an object with a
 * string "type", got 42`); a string that names no message is reported at `.type`.
 */
const dispatch = <A>(tags: Decoder<string>, members: ReadonlyMap<string, Decoder<A>>) =>
  codec<A>('an object with a string "type"', (u, c) => {
    if (!isPlainObject(u) || typeof u.type !== "string") return t.failure(u, c);
    const member = members.get(u.type);
    if (member === undefined) return t.failure(u.type, t.appendContext(c, "type", tags, u.type));
    return member.validate(u, c);
  });

export const ChannelMsgC: Codec<ChannelMsg> = dispatch(MessageTypeC, CHANNEL_CODECS);

/** One message that may travel inside a batch; a batch itself is not one (use ChannelMsgC). */
export const BatchableMsgC: Codec<BatchableMsg> = dispatch(BatchableTypeC, BATCHABLE_CODECS);
