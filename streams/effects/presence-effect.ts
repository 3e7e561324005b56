/**
 * Presence commands (§8.3–8.7) against the presence registry: apply what peers send, broadcast
 * our stores, refresh them on heartbeat and handshake, and clean up after a departed peer.
 */
import { ignoreElements, tap } from "rxjs";
import { presenceFanout } from "../../src/program/algorithms.js";
import type { ChannelId, DocId } from "../../src/protocol/messages.js";
import { type CommandOf, type Effect, type EffectContext, ofType } from "./effect.js";

const sendStore = (
  context: EffectContext,
  docId: DocId,
  namespace: string,
  hops: number,
  channelIds: readonly ChannelId[],
): void => {
  const data = context.presence.store(docId, namespace).encodeAll();
  if (data.length === 0) return;
  const stores = [{ peerId: context.identity.peerId, namespace, data }];
  for (const channelId of channelIds) {
    context.queue(channelId, { type: "channel/ephemeral", docId, hopsRemaining: hops, stores });
  }
};

const run = (
  context: EffectContext,
  command: CommandOf<
    "apply-presence" | "broadcast-presence" | "broadcast-presence-batch" | "remove-peer-presence"
  >,
): void => {
  switch (command.type) {
    case "apply-presence":
      for (const namespace of context.presence.apply(command.docId, command.entries)) {
        context.report({
          type: "presence-changed",
          docId: command.docId,
          namespace,
          source: "remote",
        });
      }
      return;
    case "broadcast-presence":
      sendStore(context, command.docId, command.namespace, command.hops, command.channelIds);
      return;
    case "broadcast-presence-batch":
      for (const docId of command.docIds) {
        if (!context.presence.has(docId)) continue;
        context.presence.touchOwn(docId);
        for (const namespace of context.presence.namespaces(docId)) {
          sendStore(context, docId, namespace, command.hops, [command.channelId]);
        }
      }
      return;
    case "remove-peer-presence": {
      const model = context.model();
      for (const { docId, namespace } of context.presence.removePeer(command.peerId)) {
        context.report({ type: "presence-changed", docId, namespace, source: "remote" });
        const targets = presenceFanout(model, docId);
        // The tombstone travels in the store's encoding; the zero-length entry is the removal
        // signal that D-5 receivers act on.
        sendStore(context, docId, namespace, 1, targets);
        for (const channelId of targets) {
          context.queue(channelId, {
            type: "channel/ephemeral",
            docId,
            hopsRemaining: 0,
            stores: [{ peerId: command.peerId, namespace, data: new Uint8Array(0) }],
          });
        }
      }
      return;
    }
  }
};

export const presenceEffect: Effect = (commands$, context) =>
  commands$.pipe(
    ofType(
      "apply-presence",
      "broadcast-presence",
      "broadcast-presence-batch",
      "remove-peer-presence",
    ),
    tap((command) => run(context, command)),
    ignoreElements(),
  );
