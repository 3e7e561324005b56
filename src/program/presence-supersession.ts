/**
 * Which queued presence message a later one supersedes within one outbound flush (§9.1).
 *
 * A `channel/ephemeral` carrying one whole-store encoding (the only kind either implementation
 * sends) supersedes an earlier queued one with the same key — same doc, namespace, encoding peer
 * and hops — since a later encoding of the same store holds every entry of the earlier one, at
 * least as new. Payloads of several stores are kept as they are, and removal signals
 * (zero-length data) are never superseded: each one is an event a D-5 receiver acts on.
 * (Channels are keyed apart by the outbox, which keeps one queue per channel.)
 */
import type { EphemeralMsg } from "../protocol/messages.js";

/** The supersession key of a presence message, or `undefined` when it must be kept. */
export const supersessionKey = (message: EphemeralMsg): string | undefined => {
  if (message.stores.length !== 1) return undefined;
  const store = message.stores[0]!;
  if (store.data.length === 0) return undefined;
  return `${message.hopsRemaining}\0${store.peerId}\0${message.docId}\0${store.namespace}`;
};
