import { isLeft } from "fp-ts/lib/Either.js";
import { decodeChannelMsg, type ProtocolError } from "../../../src/protocol/codecs.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";

/** The decoded message; fails the test with the readable error otherwise. */
export const decoded = (input: unknown): ChannelMsg => {
  const r = decodeChannelMsg(input);
  if (isLeft(r)) throw new Error(`expected a valid message, got error: ${r.left.message}`);
  return r.right;
};

/** The decode error; fails the test when the input is accepted. */
export const rejected = (input: unknown): ProtocolError => {
  const r = decodeChannelMsg(input);
  if (!isLeft(r)) throw new Error(`expected a rejection, got ${JSON.stringify(r.right)}`);
  return r.left;
};
