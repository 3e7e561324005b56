#!/usr/bin/env node
/**
 * The cost claim of the pure program (DESIGN.md, "Purity must not cost O(documents) per input"):
 * handling a sync-request for one document does not iterate the other documents or peers.
 *
 * Builds a hub model with D documents and P established peers (each subscribed to 20 documents;
 * the target document has 10 subscribers at every size), then times N sync-requests for the
 * target document, with and without presence, and prints µs per input for D ∈ {1,000, 10,000}
 * and P ∈ {20, 200}. For contrast it also times a local change (A5), which by the protocol visits
 * every established channel and so grows with P.
 *
 * Not a test: no thresholds. Run after `npm run build`:
 *   node scripts/program-cost.mjs [N]
 */
import { getDoc, getPeer, init, presenceFanout, update } from "../dist/src/program/index.js";

const N = Number(process.argv[2] ?? 10_000);
const SUBSCRIPTIONS_PER_PEER = 20;
const TARGET_SUBSCRIBERS = 10;
const TARGET = "doc-0";

const self = { peerId: "1000000", name: "hub", type: "service" };
const allow = {
  visibility: () => true,
  mutability: () => true,
  creation: () => true,
  deletion: () => false,
};
// While building: hide documents so handshakes and opens do not emit P × D offers.
const building = { ...allow, visibility: () => false };

const step = (model, input, permissions) => update(model, input, permissions)[0];

const build = (docs, peers) => {
  let model = init({ identity: self });
  for (let p = 1; p <= peers; p++) {
    model = step(
      model,
      { type: "channel-added", channelId: p, kind: "network", adapterType: "ws" },
      building,
    );
    model = step(
      model,
      {
        type: "message-received",
        channelId: p,
        message: {
          type: "channel/establish-request",
          identity: { peerId: String(p), type: "user" },
        },
      },
      building,
    );
  }
  for (let d = 0; d < docs; d++) {
    model = step(
      model,
      { type: "doc-ensure", docId: `doc-${d}`, version: { [self.peerId]: 1 } },
      building,
    );
  }
  for (let p = 1; p <= peers; p++) {
    for (let j = 0; j < SUBSCRIPTIONS_PER_PEER; j++) {
      // Peers 1..10 hold the target; the others spread over the remaining documents.
      const d = p <= TARGET_SUBSCRIBERS && j === 0 ? 0 : 1 + ((p * 7919 + j * 104729) % (docs - 1));
      model = step(
        model,
        {
          type: "message-received",
          channelId: p,
          message: {
            type: "channel/sync-request",
            docId: `doc-${d}`,
            requesterDocVersion: {},
            bidirectional: false,
          },
        },
        allow,
      );
    }
  }
  return model;
};

const request = (withPresence) => ({
  type: "message-received",
  channelId: 1,
  message: {
    type: "channel/sync-request",
    docId: TARGET,
    requesterDocVersion: { 1: 3 },
    bidirectional: true,
    ...(withPresence
      ? { ephemeral: [{ peerId: "1", namespace: "presence", data: new Uint8Array([1, 2, 3]) }] }
      : {}),
  },
});

/**
 * µs per input: the median of 5 rounds of n inputs, each applied to the model the previous one
 * returned (after a warm-up round), so JIT warm-up and GC pauses do not decide the figure.
 */
const time = (model, makeInput, n) => {
  let i = 0;
  const round = () => {
    let commands = 0;
    const start = process.hrtime.bigint();
    for (let k = 0; k < n; k++) {
      const [next, cmds] = update(model, makeInput(i++), allow);
      model = next;
      commands += cmds.length;
    }
    return {
      us: Number(process.hrtime.bigint() - start) / n / 1_000,
      commandsPerInput: commands / n,
    };
  };
  round();
  const rounds = Array.from({ length: 5 }, round).sort((a, b) => a.us - b.us);
  return rounds[2];
};

const fmt = (x) => x.toFixed(2).padStart(8);

console.log(`program cost: median of 5 rounds of ${N} inputs (node ${process.version})\n`);
console.log(
  "   docs  peers | sync-request µs | + presence µs (cmds) | local change (A5) µs (cmds)",
);
console.log(
  "  -------------+-----------------+----------------------+----------------------------",
);
for (const docs of [1_000, 10_000]) {
  for (const peers of [20, 200]) {
    const model = build(docs, peers);
    if (getDoc(model, TARGET) === undefined || getPeer(model, "1")?.channels.length !== 1) {
      throw new Error("model not built as intended");
    }
    const plain = time(model, () => request(false), N);
    const presence = time(model, () => request(true), N);
    const local = time(
      model,
      (i) => ({ type: "local-doc-change", docId: TARGET, version: { [self.peerId]: 2 + i } }),
      Math.max(200, Math.floor(N / 10)),
    );
    console.log(
      `  ${String(docs).padStart(6)} ${String(peers).padStart(5)} |        ${fmt(plain.us)} |` +
        `     ${fmt(presence.us)} (${presence.commandsPerInput}) |` +
        `          ${fmt(local.us)} (${local.commandsPerInput.toFixed(0)})`,
    );
    if (presenceFanout(model, TARGET).length !== TARGET_SUBSCRIBERS) {
      throw new Error("target should have exactly 10 subscriber channels");
    }
  }
}
console.log(`
sync-request: subscribe, D-1 status, answer and reciprocal: a few persistent-map lookups and
copies of one path, whatever the number of documents and peers.
+ presence: the entry is relayed (hops 0) to the target's ${TARGET_SUBSCRIBERS} subscribers only (A7, from the
per-doc subscriber index), so it depends on that doc's subscribers, not on D or P.
local change: A5 propagation visits every established channel (the protocol: subscribed peers get
the update, the others may get new-doc once, D-11), so it grows with P, never with D.`);
