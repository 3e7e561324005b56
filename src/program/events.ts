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
  /** `enforceVisibility`: the peer may not see the doc (a request is answered `unavailable`). */
  | "visibility-denied"
  /** `enforceVisibility`: the peer claims a peer id in use by another principal's channel. */
  | "identity-conflict"
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
  /**
   * `permissions-changed`: the peer lost read access to a doc it was subscribed to (its
   * subscription is dropped), or gained access to one it had asked for (it is told with `new-doc`).
   */
  | {
      readonly type: "access-changed";
      readonly channelId: ChannelId;
      readonly docId: DocId;
      readonly access: "revoked" | "granted";
    }
  /** The doc was let go (idle, durable in storage); it reloads when next asked for. */
  | { readonly type: "doc-evicted"; readonly docId: DocId }
  | {
      readonly type: "permission-error";
      readonly permission: "visibility" | "mutability" | "creation" | "deletion";
      readonly docId: DocId;
      readonly error: string;
    };
