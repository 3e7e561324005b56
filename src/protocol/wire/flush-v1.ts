/**
 * What a version-1 (5.4.2) link sends for one flush of outbound messages (spec §13.2.5, D-15).
 * A 5.4.2 decoder loses any payload over 65 535 bytes (N-34), so a batch that would be larger
 * goes out as one frame per message, and a single message that is still too large is reported
 * instead of sent.
 */
import { type Either, isLeft } from "fp-ts/lib/Either.js";
import type { BatchableMsg, ChannelMsg } from "../messages.js";
import { isEstablishmentMsg } from "../messages.js";
import { encodeFrameV1 } from "./encode-frame.js";
import type { EncodeError } from "./errors.js";

type Outcome = Either<EncodeError, Uint8Array>;

const encodeRun = (run: readonly BatchableMsg[]): Outcome[] => {
  const [only] = run;
  if (run.length === 1 && only !== undefined) return [encodeFrameV1(only)];
  if (run.length === 0) return [];
  const whole = encodeFrameV1({ type: "channel/batch", messages: run });
  if (isLeft(whole) && whole.left.code === "payload_too_large") return run.map(encodeFrameV1);
  return [whole];
};

/**
 * One `Either` per frame, in order: `right` is a frame to send, `left` a message that could not
 * be encoded (usually `payload_too_large`) and was left out.
 *
 * - one message: its own frame;
 * - several batchable messages, or the messages of a `channel/batch`: one `channel/batch` frame
 *   when its payload fits 65 535 bytes, else one frame per message;
 * - establishment messages are never batched (spec §4.14): they go out on their own, and the
 *   batchable runs around them are batched separately, order kept.
 */
export const encodeFlushV1 = (msgs: readonly ChannelMsg[]): Outcome[] => {
  const out: Outcome[] = [];
  let run: BatchableMsg[] = [];
  for (const msg of msgs) {
    if (isEstablishmentMsg(msg)) {
      out.push(...encodeRun(run), encodeFrameV1(msg));
      run = [];
    } else if (msg.type === "channel/batch") run.push(...msg.messages);
    else run.push(msg);
  }
  out.push(...encodeRun(run));
  return out;
};
