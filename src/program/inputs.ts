/**
 * Everything that can happen to a node (spec §5.1). Ids and versions arrive here: the program
 * never reads a clock, a random source or a LoroDoc.
 */
import type { ChannelId, ChannelKind, ChannelMsg, DocId, PeerId } from "../protocol/messages.js";
import type { VersionVector } from "../protocol/version-vector.js";

export type Input =
  /** A transport created a channel (state `connected`). */
  | {
      readonly type: "channel-added";
      readonly channelId: ChannelId;
      readonly kind: ChannelKind;
      readonly adapterType: string;
      /** Who the transport authenticated on this channel (a verified token's `sub`). */
      readonly principal?: string;
      /** The node's own link (e.g. the cluster bus): never judged as an outside peer. */
      readonly trusted?: true;
    }
  /** Start the handshake on a channel we initiate (§6.2). */
  | { readonly type: "establish-channel"; readonly channelId: ChannelId }
  | {
      readonly type: "channel-removed";
      readonly channelId: ChannelId;
      /**
       * The documents whose presence stores hold the channel's peer's own key, when the caller
       * knows (the engine asks its presence registry): if this was the peer's last channel,
       * only they get its tombstone (§8.7). Absent: every subscribed document is considered.
       */
      readonly presenceDocIds?: readonly DocId[];
    }
  /** A validated message (the engine decodes and checks it first, §4.15). */
  | {
      readonly type: "message-received";
      readonly channelId: ChannelId;
      readonly message: ChannelMsg;
    }
  /**
   * The application opened a document (`repo.doc(id)`); `version` is what the LoroDoc already
   * holds, when it is not empty.
   */
  | { readonly type: "doc-ensure"; readonly docId: DocId; readonly version?: VersionVector }
  /** A local commit; `version` is the document's version right after it. */
  | { readonly type: "local-doc-change"; readonly docId: DocId; readonly version: VersionVector }
  | { readonly type: "doc-delete"; readonly docId: DocId }
  /**
   * The engine found the doc idle (no local handle, no connected peer subscribed, durable in
   * storage) for its `docIdleMs`: let it go if the model agrees (see lifecycle.ts).
   */
  | { readonly type: "doc-evict"; readonly docId: DocId }
  /**
   * Feedback after importing peer data. `version` is ours after the import; `pending` tells that
   * Loro kept changes whose dependencies are missing (D-9).
   */
  | {
      readonly type: "doc-imported";
      readonly docId: DocId;
      readonly fromPeerId: PeerId;
      readonly channelId: ChannelId;
      readonly version: VersionVector;
      readonly pending: boolean;
    }
  /**
   * The heartbeat (§6.19). `docIds`: the documents that have presence stores, when the caller
   * knows (the engine does): only they can have anything to send, so only they are walked.
   * Absent: every subscribed document, as the spec says.
   */
  | { readonly type: "heartbeat"; readonly docIds?: readonly DocId[] }
  /**
   * Access changed for these principals (all channels when absent): subscriptions a peer can no
   * longer see are dropped, documents it asked for and may now see are announced to it.
   */
  | { readonly type: "permissions-changed"; readonly principals?: readonly string[] }
  | { readonly type: "ephemeral-local-change"; readonly docId: DocId; readonly namespace: string };

export type InputType = Input["type"];
