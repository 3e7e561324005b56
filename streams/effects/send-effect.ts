/**
 * Outbound messages: establishment at once, everything else into the outbox; sync-responses
 * (A3) and live updates (A5) exported from the LoroDoc when the command runs (§5.3.4), and
 * presence attached to sync-requests from the stores at that moment (A4). Live updates to a
 * congested peer are held and coalesced (`held-updates.ts`).
 */

import type { LoroDoc } from "loro-crdt";
import { defer, finalize, ignoreElements, tap } from "rxjs";
import type {
  DocId,
  PresenceEntry,
  SyncResponseMsg,
  SyncTransmission,
  UpdateMsg,
} from "../../src/protocol/messages.js";
import {
  compareVersions,
  isEmptyVersion,
  type VersionVector,
} from "../../src/protocol/version-vector.js";
import { docVersion, exportFrom } from "../loro-version.js";
import type { Delta } from "../ports/doc-registry.js";
import { type CommandOf, type Effect, type EffectContext, ofType } from "./effect.js";
import { createHeldUpdates, type HeldUpdates } from "./held-updates.js";
import { createSnapshotCache, type SnapshotCache } from "./snapshot-cache.js";

type Snapshot = Extract<SyncTransmission, { type: "snapshot" }>;
type SnapshotOf = (doc: LoroDoc, version: VersionVector) => Snapshot;

const exportSnapshot: SnapshotOf = (doc, version) => ({
  type: "snapshot",
  data: doc.export({ mode: "snapshot" }),
  version,
});

/** A3 steps 2–5. `snapshot` makes the whole-document answer (default: a fresh export). */
export const buildTransmission = (
  doc: LoroDoc,
  requesterVersion: VersionVector,
  snapshot: SnapshotOf = exportSnapshot,
): SyncTransmission => {
  const version = docVersion(doc);
  if (isEmptyVersion(requesterVersion)) return snapshot(doc, version);
  // Compared in JS: our version is already a plain record, no need for two wasm objects.
  const cmp = compareVersions(version, requesterVersion);
  if (cmp === 0 || cmp === -1) return { type: "up-to-date", version };
  return { type: "update", data: exportFrom(doc, requesterVersion), version };
};

/**
 * The update message carrying a delta, one object per delta: every peer it goes to gets the same
 * object, so the wire encoder encodes it once (a hub forwarding one edit to K spokes).
 */
const deltaMessages = new WeakMap<Delta, UpdateMsg>();
const deltaMessage = (docId: DocId, delta: Delta): UpdateMsg => {
  let message = deltaMessages.get(delta);
  if (message === undefined) {
    message = {
      type: "channel/update",
      docId,
      transmission: { type: "update", data: delta.bytes, version: delta.to },
    };
    deltaMessages.set(delta, message);
  }
  return message;
};

/**
 * The sync-response carrying a shared snapshot (`snapshot-cache.ts`), one object per snapshot,
 * so every requester's frames are encoded once. Only without presence, which differs per answer.
 */
const snapshotResponses = new WeakMap<Snapshot, SyncResponseMsg>();
const snapshotResponse = (docId: DocId, transmission: Snapshot): SyncResponseMsg => {
  let message = snapshotResponses.get(transmission);
  if (message === undefined) {
    message = { type: "channel/sync-response", docId, transmission };
    snapshotResponses.set(transmission, message);
  }
  return message;
};

/**
 * A5: the update taking a peer from `from` (null: nothing) to the doc's current version. A
 * snapshot here is not cached: it goes to storage or to one peer that announced nothing, and
 * caching it would keep a copy of every new document (W7: thousands of small rooms).
 */
const docUpdate = (
  context: EffectContext,
  docId: DocId,
  from: VersionVector | null,
): UpdateMsg | undefined => {
  const doc = context.docs.peek(docId);
  if (doc === undefined) return undefined;
  const delta = from === null ? undefined : context.docs.deltaFrom(docId, from);
  if (delta !== undefined) return deltaMessage(docId, delta);
  const version = docVersion(doc);
  const transmission: SyncTransmission =
    from === null
      ? exportSnapshot(doc, version)
      : { type: "update", data: exportFrom(doc, from), version };
  return { type: "channel/update", docId, transmission };
};

const presenceOf = (context: EffectContext, docId: string): PresenceEntry[] => {
  context.presence.touchOwn(docId);
  return context.presence.entriesFor(docId);
};

/** Interprets `send` (also called by the engine's direct path): queued for the next flush. */
export const runSend = (context: EffectContext, command: CommandOf<"send">): void => {
  const { message } = command;
  if (message.type === "channel/batch") {
    context.touch(command.channelId);
    for (const inner of message.messages) context.queue(command.channelId, inner);
  } else if (command.attachPresence === true && message.type === "channel/sync-request") {
    const ephemeral = presenceOf(context, message.docId);
    context.queue(command.channelId, ephemeral.length > 0 ? { ...message, ephemeral } : message);
  } else context.queue(command.channelId, message);
};

const run = (
  context: EffectContext,
  held: HeldUpdates,
  snapshots: SnapshotCache,
  command: CommandOf<
    "send" | "send-establishment" | "send-sync-response" | "send-doc-update" | "stop-channel"
  >,
): void => {
  switch (command.type) {
    case "send-establishment":
      context.connection(command.channelId)?.send(command.message);
      return;
    case "send":
      return runSend(context, command);
    case "send-sync-response": {
      const doc = context.docs.peek(command.docId);
      if (doc === undefined || context.connection(command.channelId) === undefined) return;
      const transmission = buildTransmission(doc, command.requesterVersion, (d, version) =>
        snapshots.snapshot(command.docId, d, version),
      );
      const ephemeral = command.withPresence ? presenceOf(context, command.docId) : [];
      if (transmission.type === "snapshot" && ephemeral.length === 0) {
        context.queue(command.channelId, snapshotResponse(command.docId, transmission));
        return;
      }
      context.queue(command.channelId, {
        type: "channel/sync-response",
        docId: command.docId,
        transmission,
        ...(ephemeral.length > 0 ? { ephemeral } : {}),
      });
      return;
    }
    case "send-doc-update": {
      const { channelId, docId, from } = command;
      if (context.docs.peek(docId) === undefined || context.connection(channelId) === undefined)
        return;
      if (held.hold(channelId, docId, from)) return;
      const message = docUpdate(context, docId, from);
      if (message !== undefined) context.queue(channelId, message);
      return;
    }
    case "stop-channel":
      held.forget(command.channelId);
      context.connection(command.channelId)?.close("channel removed");
      context.forget(command.channelId);
      return;
  }
};

export const sendEffect: Effect = (commands$, context) =>
  defer(() => {
    const snapshots = createSnapshotCache();
    const held = createHeldUpdates(context, (docId, from) => docUpdate(context, docId, from));
    return commands$.pipe(
      ofType("send", "send-establishment", "send-sync-response", "send-doc-update", "stop-channel"),
      tap((command) => run(context, held, snapshots, command)),
      ignoreElements(),
      finalize(() => {
        held.dispose();
        snapshots.dispose();
      }),
    );
  });
