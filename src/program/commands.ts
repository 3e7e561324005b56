/**
 * What the program asks the effects to do (spec §5.2). Commands are data; `streams/` executes
 * them in order after the model update that produced them.
 *
 * Messages whose content depends on a LoroDoc or an EphemeralStore are described, not built:
 * a sync-response (A3) and a live update (A5) are exported when their effect runs (§5.3.4), and
 * presence is attached from the stores at send time.
 */
import type {
  BatchableMsg,
  BatchMsg,
  ChannelId,
  DocId,
  EstablishmentMsg,
  PeerId,
  PresenceEntry,
} from "../protocol/messages.js";
import type { VersionVector } from "../protocol/version-vector.js";
import type { ProgramEvent } from "./events.js";

export type Command =
  /** Write at once, bypassing the outbound queue (§9.1). */
  | {
      readonly type: "send-establishment";
      readonly channelId: ChannelId;
      readonly message: EstablishmentMsg;
    }
  /**
   * Queue for the next flush. With `attachPresence`, the message is a sync-request and the effect
   * adds our presence for its doc (A4). A batch contributes its inner messages (§5.2); an empty
   * one still makes the channel's flush write a frame (an empty batch when nothing else is due).
   */
  | {
      readonly type: "send";
      readonly channelId: ChannelId;
      readonly message: BatchableMsg | BatchMsg;
      readonly attachPresence?: true;
    }
  /** Build a sync-response now (A3) and queue it. */
  | {
      readonly type: "send-sync-response";
      readonly channelId: ChannelId;
      readonly docId: DocId;
      readonly requesterVersion: VersionVector;
      readonly withPresence: boolean;
    }
  /** Queue a `channel/update` (A5): a snapshot when `from` is null, else an update from `from`. */
  | {
      readonly type: "send-doc-update";
      readonly channelId: ChannelId;
      readonly docId: DocId;
      readonly from: VersionVector | null;
    }
  /** Create (if needed) and watch the doc's local commits; each feeds `local-doc-change`. */
  | { readonly type: "watch-doc"; readonly docId: DocId }
  /** The doc was deleted: stop watching and release it (better than the reference, N-28). */
  | { readonly type: "unwatch-doc"; readonly docId: DocId }
  /**
   * The doc was evicted (lifecycle.ts): free its LoroDoc and its presence rooms. Unlike
   * `unwatch-doc`, the doc still exists and reloads from storage when next asked for.
   */
  | { readonly type: "evict-doc"; readonly docId: DocId }
  /** `doc.import(data)`, then feed `doc-imported` (§5.3.2). */
  | {
      readonly type: "import";
      readonly docId: DocId;
      readonly data: Uint8Array;
      readonly fromPeerId: PeerId;
      readonly channelId: ChannelId;
    }
  /**
   * Apply received presence payloads (§8.5). `fromPeerId`: the peer whose channel delivered
   * them (keys learned only through it go when it departs, D-5).
   */
  | {
      readonly type: "apply-presence";
      readonly docId: DocId;
      readonly entries: readonly PresenceEntry[];
      readonly channelId: ChannelId;
      readonly fromPeerId?: PeerId;
    }
  /** Queue the (doc, namespace) store's encoding to the channels (§8.3). */
  | {
      readonly type: "broadcast-presence";
      readonly docId: DocId;
      readonly namespace: string;
      readonly hops: number;
      readonly channelIds: readonly ChannelId[];
    }
  /** For each doc that has presence: refresh own keys (D-4) and send every namespace (§8.6). */
  | {
      readonly type: "broadcast-presence-batch";
      readonly channelId: ChannelId;
      readonly docIds: readonly DocId[];
      readonly hops: number;
    }
  /**
   * A peer's last channel closed (§8.7): delete its keys, and send each store it had an entry
   * in (the tombstone), followed by the zero-length removal signal, to the targets of that doc.
   * `targets`: per doc someone subscribed to, the channels presence goes to (storage excluded,
   * N-19); a doc missing from it has no one to tell.
   */
  | {
      readonly type: "remove-peer-presence";
      readonly peerId: PeerId;
      readonly targets: readonly PresenceTargets[];
    }
  | { readonly type: "stop-channel"; readonly channelId: ChannelId }
  | { readonly type: "emit"; readonly event: ProgramEvent };

export type CommandType = Command["type"];

/** The channels presence news about a document goes to. */
export interface PresenceTargets {
  readonly docId: DocId;
  readonly channelIds: readonly ChannelId[];
}
