/**
 * A miniature, deterministic engine around the pure program, for end-to-end flows (spec §7) in
 * the conformance tests. Documents are reduced to their version vectors: "data" is the sender's
 * version encoded as bytes, and an import merges it into the receiver's version. Commands run
 * depth-first (feedback before queued messages, §5.3.2); messages travel one by one, FIFO.
 */

import {
  type Command,
  defaultPermissions,
  type Input,
  init,
  type Model,
  type Permissions,
  update,
} from "../../src/program/index.js";
import type {
  ChannelId,
  ChannelKind,
  ChannelMsg,
  DocId,
  Identity,
  SyncTransmission,
} from "../../src/protocol/messages.js";
import {
  compareVersions,
  isEmptyVersion,
  type VersionVector,
} from "../../src/protocol/version-vector.js";

const encode = (v: VersionVector): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const decode = (b: Uint8Array): VersionVector =>
  JSON.parse(new TextDecoder().decode(b)) as VersionVector;

const merge = (a: VersionVector, b: VersionVector): VersionVector => {
  const out: Record<string, number> = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = Math.max(out[k] ?? 0, n);
  return out;
};

export interface SimNode {
  readonly name: string;
  readonly identity: Identity;
  model: Model;
  readonly perms: Permissions;
  /** The "LoroDoc" of each watched document: its version. */
  readonly docs: Map<DocId, VersionVector>;
  /** Every command the program produced, in order. */
  readonly commands: Command[];
}

export interface WireEntry {
  readonly from: string;
  readonly to: string;
  readonly message: ChannelMsg;
}

interface End {
  readonly node: string;
  readonly channelId: ChannelId;
}

export class Sim {
  readonly nodes = new Map<string, SimNode>();
  /** Every message delivered, in delivery order. */
  readonly wire: WireEntry[] = [];
  private readonly ends = new Map<string, End>();
  private readonly queue: { from: string; to: End; message: ChannelMsg }[] = [];

  add(name: string, identity: Identity, perms: Permissions = defaultPermissions): SimNode {
    const node: SimNode = {
      name,
      identity,
      model: init({ identity }),
      perms,
      docs: new Map(),
      commands: [],
    };
    this.nodes.set(name, node);
    return node;
  }

  node(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${name}`);
    return node;
  }

  /** Connects `initiator`'s channel `a` to `responder`'s channel `b`, starts the handshake, runs. */
  connect(
    initiator: string,
    a: ChannelId,
    responder: string,
    b: ChannelId,
    kind: ChannelKind = "network",
  ): void {
    this.ends.set(`${initiator}#${a}`, { node: responder, channelId: b });
    this.ends.set(`${responder}#${b}`, { node: initiator, channelId: a });
    this.input(responder, { type: "channel-added", channelId: b, kind, adapterType: "sim" });
    this.input(initiator, { type: "channel-added", channelId: a, kind, adapterType: "sim" });
    this.input(initiator, { type: "establish-channel", channelId: a });
    this.run();
  }

  /** The application opens a doc. */
  open(name: string, docId: DocId): void {
    this.input(name, { type: "doc-ensure", docId });
    this.run();
  }

  /** A local commit of one operation by `name` on `docId`. */
  edit(name: string, docId: DocId): void {
    const node = this.node(name);
    const ours = node.docs.get(docId) ?? {};
    const version = { ...ours, [node.identity.peerId]: (ours[node.identity.peerId] ?? 0) + 1 };
    node.docs.set(docId, version);
    this.input(name, { type: "local-doc-change", docId, version });
    this.run();
  }

  version(name: string, docId: DocId): VersionVector | undefined {
    return this.node(name).docs.get(docId);
  }

  /** Handles one input to completion, feedback first (depth-first). */
  input(name: string, input: Input): void {
    const node = this.node(name);
    const [model, commands] = update(node.model, input, node.perms);
    node.model = model;
    node.commands.push(...commands);
    for (const command of commands) this.execute(node, command);
  }

  /** Delivers queued messages until none is left (bounded, so a ping-pong fails the test). */
  run(limit = 10_000): void {
    for (let n = 0; this.queue.length > 0; n++) {
      if (n >= limit) throw new Error("no quiescence: the nodes keep talking");
      const { from, to, message } = this.queue.shift()!;
      this.wire.push({ from, to: to.node, message });
      this.input(to.node, { type: "message-received", channelId: to.channelId, message });
    }
  }

  private sendOn(node: SimNode, channelId: ChannelId, message: ChannelMsg): void {
    const to = this.ends.get(`${node.name}#${channelId}`);
    if (to !== undefined) this.queue.push({ from: node.name, to, message });
  }

  private transmission(
    ours: VersionVector,
    requester: VersionVector | null,
    live: boolean,
  ): SyncTransmission {
    if (requester === null || isEmptyVersion(requester)) {
      return { type: "snapshot", data: encode(ours), version: ours };
    }
    const cmp = compareVersions(ours, requester);
    if (!live && (cmp === 0 || cmp === -1)) return { type: "up-to-date", version: ours };
    return { type: "update", data: encode(ours), version: ours };
  }

  private execute(node: SimNode, command: Command): void {
    switch (command.type) {
      case "send-establishment":
      case "send":
        return this.sendOn(node, command.channelId, command.message);
      case "send-sync-response": {
        const ours = node.docs.get(command.docId);
        if (ours === undefined) return;
        const transmission = this.transmission(ours, command.requesterVersion, false);
        return this.sendOn(node, command.channelId, {
          type: "channel/sync-response",
          docId: command.docId,
          transmission,
        });
      }
      case "send-doc-update": {
        const ours = node.docs.get(command.docId);
        if (ours === undefined) return;
        return this.sendOn(node, command.channelId, {
          type: "channel/update",
          docId: command.docId,
          transmission: this.transmission(ours, command.from, true),
        });
      }
      case "watch-doc":
        if (!node.docs.has(command.docId)) node.docs.set(command.docId, {});
        return;
      case "unwatch-doc":
        node.docs.delete(command.docId);
        return;
      case "import": {
        const merged = merge(node.docs.get(command.docId) ?? {}, decode(command.data));
        node.docs.set(command.docId, merged);
        return this.input(node.name, {
          type: "doc-imported",
          docId: command.docId,
          fromPeerId: command.fromPeerId,
          channelId: command.channelId,
          version: merged,
          pending: false,
        });
      }
      case "broadcast-presence":
        for (const channelId of command.channelIds) {
          this.sendOn(node, channelId, {
            type: "channel/ephemeral",
            docId: command.docId,
            hopsRemaining: command.hops,
            stores: [
              {
                peerId: node.identity.peerId,
                namespace: command.namespace,
                data: new Uint8Array([1]),
              },
            ],
          });
        }
        return;
      default:
        return;
    }
  }
}
