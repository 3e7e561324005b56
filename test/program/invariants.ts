/**
 * The model invariants checked after every step of the totality property (and usable anywhere):
 * channels and peers agree, the derived indexes equal what they index, every message goes to an
 * established channel, and the model holds no bytes.
 */
import {
  type Command,
  getChannel,
  getPeer,
  type Model,
  pmapForEach,
} from "../../src/program/index.js";

/**
 * Where `value` stops being plain data (JSON-safe: plain objects, arrays, strings, finite numbers,
 * booleans, null; no `undefined`, no bytes, no class instances), or undefined when it is plain.
 * The path is built only on the way back from a failure, so a clean walk allocates nothing.
 * Objects for which `known` holds are taken as already checked (the property passes frozen ones:
 * they belong to the previous model, checked before it was frozen).
 */
export const impurity = (
  value: unknown,
  known: (o: object) => boolean = () => false,
): string | undefined => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `: ${value}`;
    case "object": {
      if (value === null || known(value)) return undefined;
      if (value instanceof Uint8Array) return ": a Uint8Array";
      const proto = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = impurity(value[i], known);
          if (found !== undefined) return `[${i}]${found}`;
        }
        return undefined;
      }
      if (proto !== Object.prototype && proto !== null) return ": a class instance";
      for (const k in value) {
        const found = impurity((value as Record<string, unknown>)[k], known);
        if (found !== undefined) return `.${k}${found}`;
      }
      return undefined;
    }
    default:
      return `: ${typeof value}`;
  }
};

const SENDS = new Set<Command["type"]>(["send", "send-sync-response", "send-doc-update"]);

/** Every broken invariant, as a sentence (empty when the model is sound). */
export const violations = (
  model: Model,
  commands: readonly Command[],
  known?: (o: object) => boolean,
): string[] => {
  const out: string[] = [];

  // Channels ↔ peers.
  pmapForEach(model.channels, (channel, key) => {
    if (key !== String(channel.channelId))
      out.push(`channel ${channel.channelId} under key ${key}`);
    if (channel.state === "connected" && channel.peerId !== undefined) {
      out.push(`connected channel ${channel.channelId} has a peer`);
    }
    if (channel.state !== "established") return;
    const peer = channel.peerId === undefined ? undefined : getPeer(model, channel.peerId);
    if (peer === undefined) out.push(`established channel ${channel.channelId} has no PeerState`);
    else if (!peer.channels.includes(channel.channelId)) {
      out.push(`peer ${peer.identity.peerId} does not list its channel ${channel.channelId}`);
    }
  });
  const subscribed = new Set<string>();
  pmapForEach(model.peers, (peer, peerId) => {
    if (peerId !== peer.identity.peerId)
      out.push(`peer ${peer.identity.peerId} under key ${peerId}`);
    if (new Set(peer.channels).size !== peer.channels.length) {
      out.push(`peer ${peerId} lists a channel twice`);
    }
    for (const id of peer.channels) {
      const channel = getChannel(model, id);
      if (channel?.state !== "established" || channel.peerId !== peerId) {
        out.push(`peer ${peerId} lists channel ${id}, which is not established to it`);
      }
    }
    pmapForEach(peer.docs, (state, docId) => {
      if (state.subscribed) subscribed.add(`${peerId}|${docId}`);
    });
  });

  // The subscriber index is exactly the set of subscriptions, without duplicates.
  const indexed: string[] = [];
  pmapForEach(model.subscribers, (peerIds, docId) => {
    for (const peerId of peerIds) indexed.push(`${peerId}|${docId}`);
  });
  if (new Set(indexed).size !== indexed.length) out.push("subscribers index has duplicates");
  if ([...subscribed].sort().join() !== [...new Set(indexed)].sort().join()) {
    out.push(`subscribers index ${indexed.sort()} ≠ subscriptions ${[...subscribed].sort()}`);
  }

  // The waiting index is exactly the set of docs with storage-first state.
  const waiting: string[] = [];
  pmapForEach(model.documents, (doc, docId) => {
    if (docId !== doc.docId) out.push(`doc ${doc.docId} under key ${docId}`);
    const storage = doc.pendingStorageChannels;
    const deferred = doc.pendingNetworkRequests;
    if (storage?.length === 0 || deferred?.length === 0)
      out.push(`doc ${docId} keeps an empty list`);
    if ((storage?.length ?? 0) > 0 || (deferred?.length ?? 0) > 0) waiting.push(docId);
    for (const id of storage ?? []) {
      if (getChannel(model, id)?.kind !== "storage")
        out.push(`doc ${docId} waits for gone storage ${id}`);
    }
    for (const r of deferred ?? []) {
      if (getChannel(model, r.channelId)?.state !== "established") {
        out.push(`doc ${docId} defers a request of gone channel ${r.channelId}`);
      }
    }
  });
  const indexedWaiting: string[] = [];
  pmapForEach(model.waiting, (_, docId) => indexedWaiting.push(docId));
  if (waiting.sort().join() !== indexedWaiting.sort().join()) {
    out.push(`waiting index ${indexedWaiting} ≠ docs with storage-first state ${waiting}`);
  }

  // Every message goes to a channel that exists (and is established) at the end of the step.
  for (const command of commands) {
    if (!SENDS.has(command.type) || !("channelId" in command)) continue;
    const channel = getChannel(model, command.channelId);
    if (channel?.state !== "established") {
      out.push(`${command.type} to channel ${command.channelId}, which is not established`);
    }
    // 15.1.8: batching is the outbound queue's job. The one batch the program emits is the empty
    // "nothing offered" marker of a responder (handle-connection.ts), never one with content.
    if (
      command.type === "send" &&
      command.message.type === "channel/batch" &&
      command.message.messages.length > 0
    ) {
      out.push("the program produced a non-empty channel/batch (15.1.8)");
    }
  }

  // Plain data: no bytes kept, so it survives JSON and structuredClone unchanged.
  const impure = impurity(model, known);
  if (impure !== undefined) out.push(`not plain data: model${impure}`);
  return out;
};
