/**
 * Things the program reports to the application: dropped messages (with the reason), replies that
 * are only informational, and failing permission predicates. Emitted through the `emit` command.
 */
import type { ChannelId, ChannelMsgType, DocId } from "../protocol/messages.js";

export type DropReason =
  | "unknown-channel"
  | "not-established"
  | "unknown-doc"
  | "creation-denied"
  | "mutability-denied"
  | "invalid-in-state";

export type ProgramEvent =
  | {
      readonly type: "message-dropped";
      readonly channelId: ChannelId;
      readonly messageType: ChannelMsgType;
      readonly reason: DropReason;
      readonly docId?: DocId;
    }
  | {
      readonly type: "delete-response-received";
      readonly channelId: ChannelId;
      readonly docId: DocId;
      readonly status: "deleted" | "ignored";
    }
  | {
      readonly type: "permission-error";
      readonly permission: "visibility" | "mutability" | "creation" | "deletion";
      readonly docId: DocId;
      readonly error: string;
    };
