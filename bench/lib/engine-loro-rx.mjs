// loro-rx under the bench: the BUILT package (dist/), the in-process network of
// loro-rx/testing (asap scheduler: delivery on a later microtask) and a frame codec.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { jsonCodec, makeTally, ownJsonCodec, wireV2Codec } from "./codecs.mjs";
import { REPO_ROOT } from "./fixtures.mjs";

const require = createRequire(import.meta.url);
export const ENGINE_VERSION = require(join(REPO_ROOT, "package.json")).version;

export async function loadLoroRx(distDir) {
  const at = (p) => pathToFileURL(join(distDir, p)).href;
  const main = await import(at("streams/index.js"));
  const testing = await import(at("streams/testing/index.js"));
  // The wire encodings: exported as `wire` by newer builds, else imported from their module.
  const wirePath = join(distDir, "src/protocol/wire/index.js");
  const wire =
    main.wire ?? (existsSync(wirePath) ? await import(pathToFileURL(wirePath).href) : undefined);
  return { main, testing, wire };
}

/** Which codec a transport name stands for, and the label the rows carry. */
export function loroRxCodec(mods, transport, tally) {
  if (transport === "object") return undefined;
  if (transport === "wire") return mods.wire ? wireV2Codec(mods.wire, tally) : ownJsonCodec(tally);
  if (transport === "json") return mods.wire ? jsonCodec(mods.wire, tally) : ownJsonCodec(tally);
  throw new Error(`unknown transport ${transport}`);
}

export function loroRxTransportLabel(mods, transport) {
  if (transport === "object") return "object";
  if (!mods.wire) return "json(bench)";
  return transport === "wire" ? "wire-v2" : "json";
}

/**
 * A set of loro-rx peers on one in-process network, star-shaped around `hub` (a pair is a star
 * with one spoke). The hub is the server end of every pipe; a spoke, joining later, is the client
 * end and starts the handshake.
 */
export function createLoroRxSystem(mods, { transport, hub, heartbeat }) {
  const { createRepo } = mods.main;
  const tally = makeTally();
  const codec = loroRxCodec(mods, transport, tally);
  const net = mods.testing.createInProcessNetwork({
    topology: { star: hub },
    ...(codec ? { codec } : {}),
  });
  const repos = [];
  let lastFrameAt;
  let frameWatch;

  const traffic = () => {
    const c = net.counters();
    return {
      frames: codec ? tally.frames : c.frames,
      bytes: codec ? tally.bytes : null,
      messages: c.messages,
      sends: c.frames,
    };
  };

  const makePeer = (repo, peerId) => {
    let presenceViews;
    const view = (docId, ns) => {
      presenceViews ??= new Map();
      const key = `${docId}\0${ns}`;
      let v = presenceViews.get(key);
      if (v === undefined) {
        if (typeof repo.presence === "function") {
          const p = repo.presence(docId, ns);
          const state = { api: "repo.presence", handle: p, peers: new Map() };
          state.sub = p.peers$.subscribe((m) => {
            state.peers = m;
          });
          v = {
            api: state.api,
            set: (value) => p.set(value),
            get: (k) => state.peers.get(k),
          };
        } else {
          // Fallback until repo.presence lands: the same store and input the Repo API will use.
          const store = repo.engine.presence.store(docId, ns);
          v = {
            api: "engine.presence (repo.presence pending)",
            set: (value) => {
              store.set(peerId, value);
              repo.engine.dispatch({ type: "ephemeral-local-change", docId, namespace: ns });
            },
            get: (k) => store.get(k),
          };
        }
        presenceViews.set(key, v);
      }
      return v;
    };
    return {
      repo,
      importDoc: (docId, bytes) => repo.import(docId, bytes),
      getDoc: (docId) => repo.engine.docs.get(docId),
      openDoc: (docId) => repo.doc(docId),
      presenceApi: (docId, ns) => view(docId, ns).api,
      setPresence: (docId, ns, value) => view(docId, ns).set(value),
      getPresence: (docId, ns, key) => view(docId, ns).get(key),
    };
  };

  return {
    engine: "loro-rx",
    transport: loroRxTransportLabel(mods, transport),
    async addPeer(name, peerId, { connect = true } = {}) {
      if (!connect) net.disconnect(hub, name);
      const repo = createRepo({
        identity: { peerId: String(peerId), name },
        transports: [net.peer(name)],
        ...(heartbeat ? {} : { heartbeatMs: 0 }),
      });
      repos.push(repo);
      return makePeer(repo, String(peerId));
    },
    open: (a, b) => net.reconnect(a, b),
    cut: (a, b) => net.disconnect(a, b),
    traffic,
    /** Starts recording the time of the last delivered frame (W6). */
    watchFrames(onFrame) {
      frameWatch = net.traffic$.subscribe(() => {
        lastFrameAt = performance.now();
        onFrame?.(lastFrameAt);
      });
      return () => lastFrameAt;
    },
    async close() {
      frameWatch?.unsubscribe();
      for (const repo of repos) await repo.close();
      net.close();
    },
  };
}
