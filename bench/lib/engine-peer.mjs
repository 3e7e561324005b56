// The reference engine, @loro-extended/repo 5.4.2 ("the peer"), under the same workloads: one
// Repo per peer and a pipe adapter written here. Each pipe joins a server end (on the hub) and a
// client end (on the spoke); opening it adds a channel on both ends and the client end starts the
// handshake; messages are encoded with the peer's own JSON serialiser (or passed as objects),
// counted, and delivered on a later microtask, in send order; cutting it removes both channels at
// once and drops what is in flight.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Shape } from "@loro-extended/change";
import * as repoModule from "@loro-extended/repo";
import { makeTally, messageCount, peerJsonCodec } from "./codecs.mjs";

import { REPO_ROOT } from "./fixtures.mjs";

// The package's `exports` does not list package.json; read it from node_modules.
export const PEER_VERSION = JSON.parse(
  readFileSync(join(REPO_ROOT, "node_modules/@loro-extended/repo/package.json"), "utf8"),
).version;

const { Adapter, Repo } = repoModule;

class PipeEnd extends Adapter {
  constructor(adapterId, pipe, side) {
    super({ adapterType: "bench-pipe", adapterId });
    this.pipe = pipe;
    this.side = side;
    this.channelId = undefined;
  }
  generate() {
    return { send: (message) => this.pipe.send(this.side, message), stop: () => undefined };
  }
  async onStart() {}
  async onStop() {
    this.pipe.cut();
  }
  attach() {
    this.channelId = this.addChannel({}).channelId;
  }
  detach() {
    const id = this.channelId;
    if (id === undefined) return;
    this.channelId = undefined;
    this.removeChannel(id);
  }
  establish() {
    this.establishChannel(this.channelId);
  }
  receive(message) {
    const id = this.channelId;
    if (id !== undefined) this.channels.get(id)?.onReceive(message);
  }
}

class Pipe {
  constructor(system, name) {
    this.system = system;
    this.ends = [new PipeEnd(`${name}:server`, this, 0), new PipeEnd(`${name}:client`, this, 1)];
    this.isOpen = false;
    this.generation = 0;
  }
  open() {
    if (this.isOpen) this.cut();
    this.isOpen = true;
    this.generation++;
    this.ends[0].attach();
    this.ends[1].attach();
    this.ends[1].establish();
  }
  cut() {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.generation++;
    this.ends[0].detach();
    this.ends[1].detach();
  }
  send(side, message) {
    if (!this.isOpen) return;
    const sys = this.system;
    const { codec } = sys;
    const frame = codec ? codec.encode(message) : structuredCloneMessage(message);
    if (!codec) sys.tally.frames++;
    sys.messages += messageCount(message);
    const generation = this.generation;
    const to = this.ends[side === 0 ? 1 : 0];
    queueMicrotask(() => {
      if (generation !== this.generation) return; // cut while in flight: dropped
      sys.lastFrameAt = performance.now();
      sys.onFrame?.(sys.lastFrameAt);
      to.receive(codec ? codec.decode(frame) : frame);
    });
  }
}

// The object bridge: the peer's messages hold loro VersionVector objects, which structuredClone
// cannot copy; hand over a shallow copy instead (its own BridgeAdapter passes the object as is).
const structuredCloneMessage = (message) => ({ ...message });

export function createPeerSystem({ transport, hub, heartbeat }) {
  const tally = makeTally();
  const system = {
    tally,
    messages: 0,
    codec: transport === "object" ? undefined : peerJsonCodec(repoModule, tally),
    lastFrameAt: undefined,
    onFrame: undefined,
  };
  const peers = new Map();
  const pipes = new Map();
  const repos = [];

  // An untyped document: no containers declared, the workloads use the LoroDoc directly.
  const docShape = Shape.doc({});
  const makePeer = (repo) => {
    const handles = new Map();
    const handle = (docId, ns) => {
      const key = ns === undefined ? docId : `${docId}\0${ns}`;
      let h = handles.get(key);
      if (h === undefined) {
        h =
          ns === undefined
            ? repo.get(docId, docShape)
            : repo.get(docId, docShape, { [ns]: Shape.any() }).getTypedEphemeral(ns);
        handles.set(key, h);
      }
      return h;
    };
    return {
      repo,
      importDoc: (docId, bytes) => handle(docId).loroDoc.import(bytes),
      getDoc: (docId) => repo.synchronizer.getDocumentState(docId)?.doc,
      openDoc: (docId) => handle(docId).loroDoc,
      presenceApi: () => "handle ephemeral setSelf",
      setPresence: (docId, ns, value) => handle(docId, ns).setSelf(value),
      getPresence: (docId, ns, key) => handle(docId, ns).get(key),
    };
  };

  return {
    engine: "loro-extended",
    transport: transport === "object" ? "object" : "json(5.4.2)",
    async addPeer(name, peerId, { connect = true } = {}) {
      const repo = new Repo({ identity: { peerId: String(peerId), name, type: "user" } });
      if (!heartbeat) repo.synchronizer.stopHeartbeat();
      repos.push(repo);
      const peer = makePeer(repo);
      peers.set(name, peer);
      if (name !== hub) {
        const pipe = new Pipe(system, `${hub}-${name}`);
        pipes.set(name, pipe);
        await peers.get(hub).repo.addAdapter(pipe.ends[0]);
        await repo.addAdapter(pipe.ends[1]);
        if (connect) pipe.open();
      }
      return peer;
    },
    open: (a, b) => pipes.get(a === hub ? b : a).open(),
    cut: (a, b) => pipes.get(a === hub ? b : a).cut(),
    traffic: () => ({
      frames: tally.frames,
      bytes: system.codec ? tally.bytes : null,
      messages: system.messages,
      sends: tally.frames,
    }),
    watchFrames(onFrame) {
      system.onFrame = onFrame;
      return () => system.lastFrameAt;
    },
    async close() {
      for (const pipe of pipes.values()) pipe.cut();
      for (const repo of repos) {
        repo.synchronizer.stopHeartbeat();
        repo.reset();
      }
    },
  };
}
