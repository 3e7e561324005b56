/**
 * The program: `update(model, input) → [model, commands]`, total and pure (spec §5–6).
 *
 * Dispatch only; each protocol area has its own handler module. A `channel/batch` is handled as
 * its inner messages in order, all model changes first, with their commands concatenated in
 * order, so the effects of none run before every inner message has updated the model (§5.3.3).
 */
import type { BatchableMsg, ChannelId, ChannelMsg } from "../protocol/messages.js";
import type { Command } from "./commands.js";
import { type Ctx, drop } from "./context.js";
import { admit, admitEstablish, handlePermissionsChanged } from "./handle-access.js";
import {
  handleChannelAdded,
  handleChannelRemoved,
  handleEstablishChannel,
  handleEstablishRequest,
  handleEstablishResponse,
  verifySkipped,
} from "./handle-connection.js";
import { handleDeleteRequest, handleDeleteResponse, handleDocDelete } from "./handle-deletion.js";
import { handleAnnouncement, handleDirectoryRequest } from "./handle-discovery.js";
import { handleEphemeral, handleEphemeralLocalChange, handleHeartbeat } from "./handle-presence.js";
import {
  handleDocEnsure,
  handleDocImported,
  handleLocalDocChange,
  handleSyncRequest,
  handleSyncResponse,
  handleUpdate,
} from "./handle-sync.js";
import type { Input } from "./inputs.js";
import { handleDocEvict } from "./lifecycle.js";
import { type Channel, getChannel, type Model, type PeerState, peerOfChannel } from "./model.js";
import { defaultPermissions, type Permissions } from "./permissions.js";

export type Step = readonly [Model, readonly Command[]];

export const update = (
  model: Model,
  input: Input,
  permissions: Permissions = defaultPermissions,
): Step => {
  const ctx: Ctx = { model, commands: [], permissions };
  handleInput(ctx, input);
  return [ctx.model, ctx.commands];
};

const handleInput = (ctx: Ctx, input: Input): void => {
  switch (input.type) {
    case "channel-added":
      return handleChannelAdded(
        ctx,
        input.channelId,
        input.kind,
        input.adapterType,
        input.principal,
        input.trusted,
      );
    case "establish-channel":
      return handleEstablishChannel(ctx, input.channelId);
    case "channel-removed":
      return handleChannelRemoved(ctx, input.channelId, input.presenceDocIds);
    case "message-received":
      handleMessage(ctx, input.channelId, input.message);
      if (input.message.type !== "channel/establish-response") {
        verifySkipped(ctx, input.channelId, input.message);
      }
      return;
    case "doc-ensure":
      return handleDocEnsure(ctx, input.docId, input.version);
    case "local-doc-change":
      return handleLocalDocChange(ctx, input.docId, input.version);
    case "doc-delete":
      return handleDocDelete(ctx, input.docId);
    case "doc-evict":
      return handleDocEvict(ctx, input.docId);
    case "doc-imported":
      return handleDocImported(
        ctx,
        input.docId,
        input.fromPeerId,
        input.channelId,
        input.version,
        input.pending,
      );
    case "heartbeat":
      return handleHeartbeat(ctx, input.docIds);
    case "ephemeral-local-change":
      return handleEphemeralLocalChange(ctx, input.docId, input.namespace);
    case "permissions-changed":
      return handlePermissionsChanged(ctx, input.principals);
  }
};

/** §6.21 decides what is dropped; establishment messages pass in any channel state. */
const handleMessage = (ctx: Ctx, channelId: ChannelId, message: ChannelMsg): void => {
  if (getChannel(ctx.model, channelId) === undefined) {
    return drop(ctx, channelId, message, "unknown-channel");
  }
  switch (message.type) {
    case "channel/establish-request":
      if (ctx.permissions.enforceVisibility === true && !admitEstablish(ctx, channelId, message))
        return;
      return handleEstablishRequest(ctx, channelId, message);
    case "channel/establish-response":
      return handleEstablishResponse(ctx, channelId, message);
    case "channel/batch":
      for (const inner of message.messages) handleMessage(ctx, channelId, inner);
      return;
  }
  const from = peerOfChannel(ctx.model, channelId);
  if (from === undefined) return drop(ctx, channelId, message, "not-established");
  const admitted = ctx.permissions.enforceVisibility === true ? admit(ctx, from, message) : message;
  if (admitted !== undefined) handleAdmitted(ctx, from, admitted);
};

const handleAdmitted = (
  ctx: Ctx,
  from: { channel: Channel; peer: PeerState },
  message: BatchableMsg,
): void => {
  switch (message.type) {
    case "channel/sync-request":
      return handleSyncRequest(ctx, from, message);
    case "channel/sync-response":
      return handleSyncResponse(ctx, from, message);
    case "channel/update":
      return handleUpdate(ctx, from, message);
    case "channel/directory-request":
      return handleDirectoryRequest(ctx, from);
    case "channel/directory-response":
    case "channel/new-doc":
      return handleAnnouncement(ctx, from, message.docIds, message);
    case "channel/delete-request":
      return handleDeleteRequest(ctx, from, message);
    case "channel/delete-response":
      return handleDeleteResponse(ctx, from, message);
    case "channel/ephemeral":
      return handleEphemeral(ctx, from.channel, message);
  }
};
