/**
 * Presence commands (§8.3–8.7) against the presence registry: apply what peers send, broadcast
 * our stores, refresh them on heartbeat and handshake, and clean up after a departed peer.
 * Every decision (who gets what, with how many hops) is in the command; this interprets it.
 * (Heartbeats arrive here with hops 0: see `handleHeartbeat` in the program.)
 */
import { ignoreElements, tap } from "rxjs";
import type { ChannelId, DocId } from "../../src/protocol/messages.js";
import { type CommandOf, type Effect, type EffectContext, ofType } from "./effect.js";

const sendStore = (
  context: EffectContext,
  docId: DocId,
  namespace: string,
  hops: number,
  channelIds: readonly ChannelId[],
  ownOnly = false,
): void => {
  const data = ownOnly
    ? context.presence.encodeOwn(docId, namespace)
    : context.presence.encode(docId, namespace);
  if (data === undefined || data.length === 0 || channelIds.length === 0) return;
  const stores = [{ peerId: context.identity.peerId, namespace, data }];
  for (const channelId of channelIds) {
    context.queue(channelId, { type: "channel/ephemeral", docId, hopsRemaining: hops, stores });
  }
};

/** Interprets one presence command (also called by the engine's direct path). */
export const runPresenceCommand = (
  context: EffectContext,
  command: CommandOf<
    "apply-presence" | "broadcast-presence" | "broadcast-presence-batch" | "remove-peer-presence"
  >,
): void => {
  switch (command.type) {
    case "apply-presence":
      context.presence.apply(command.docId, command.entries, command.fromPeerId);
      return;
    case "broadcast-presence":
      // A local change sends our own entry alone, never re-stamped (§8.6). The reference sends
      // the whole store (N-7); receivers merge entry by entry, so they cannot tell, and a room
      // of K peers no longer moves K entries per keystroke. Heartbeats still carry the store.
      sendStore(context, command.docId, command.namespace, command.hops, command.channelIds, true);
      return;
    case "broadcast-presence-batch": {
      const { hops } = command;
      for (const docId of command.docIds) {
        if (!context.presence.has(docId)) continue;
        context.presence.touchOwn(docId);
        for (const namespace of context.presence.namespaces(docId)) {
          sendStore(context, docId, namespace, hops, [command.channelId]);
        }
      }
      return;
    }
    case "remove-peer-presence": {
      const removed = context.presence.removePeer(command.peerId);
      if (removed.length === 0) return;
      const targetsOf = new Map(command.targets.map((t) => [t.docId, t.channelIds]));
      for (const { docId, namespace } of removed) {
        const targets = targetsOf.get(docId);
        if (targets === undefined) continue;
        // The tombstone travels in the store's encoding (what reference peers act on); the
        // zero-length entry is the removal signal D-5 receivers act on. Same flush, store first.
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
    tap((command) => runPresenceCommand(context, command)),
    ignoreElements(),
  );
