// A lean raw-protocol client for the hub-at-scale workloads (WORKLOADS §6): one WebSocket to the
// hub speaking framing v2 (transport payloads of spec §13.3) with the wire module of the built
// package, and nothing of the engine. It does what a loro-rx client does on the wire for the
// traffic of W7–W10, at a fraction of the memory and CPU, so that many of them fit beside the hub
// on one machine:
//
// - connect: `establish-request` (identity type "user"), then waits for `establish-response`;
// - `join(docId, { snapshot, version })`: a bidirectional `sync-request` with what it holds
//   (nothing, or a snapshot it pushes); it answers the hub's `sync-request` for that document
//   with the snapshot when the hub is behind, else `up-to-date`. Documents the hub offers that
//   it did not join are ignored, as an engine whose creation permission refuses them does (D-14);
// - keepalive as the engine's WebSocket client: a text "ping" every 30 s (random phase);
// - counts frames and bytes both ways; decodes incoming frames only while `decode` says so
//   (after the handshake, W7 and most W9 clients only count).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

const PING = "ping";
const FRAGMENT_THRESHOLD = 102_400; // spec §13.4, the WebSocket threshold

/** Monotonic milliseconds shared by every process of the machine (CLOCK_MONOTONIC). */
export const monoMs = () => Number(process.hrtime.bigint()) / 1e6;

const unwrap = (either, what) => {
  if (either._tag === "Left") {
    throw new Error(`${what}: ${either.left.code ?? ""} ${either.left.message ?? ""}`);
  }
  return either.right;
};

let batchSeq = 0;
const batchId = () => {
  const id = new Uint8Array(8);
  const view = new DataView(id.buffer);
  view.setUint32(0, process.pid);
  view.setUint32(4, ++batchSeq);
  return id;
};

/** Loro version vector → the plain record of our messages. */
export const vvRecord = (vv) => Object.fromEntries(vv.toJSON());

export class LeanClient {
  /**
   * @param {object} o
   * @param {string} o.url hub WebSocket URL
   * @param {object} o.wire the built wire module (dist/src/protocol/wire/index.js)
   * @param {string} o.peerId
   * @param {(msg: object, at: number) => void} [o.onMessage] decoded messages, with arrival time
   * @param {number} [o.keepaliveMs] 30 000 as the engine's client; 0: off
   * @param {(e: Error) => void} [o.onFailure] a frame that could not be handled (never thrown
   *   out of the socket's handler, which would end the generator)
   * @param {number} [o.reassemblyTimeoutMs] the engine's default is 10 s (REASSEMBLY_TIMEOUT_MS);
   *   W8 raises it so a slow storm is measured, and reports who would have hit the default
   */
  constructor({
    url,
    wire,
    peerId,
    onMessage,
    onFailure,
    keepaliveMs = 30_000,
    reassemblyTimeoutMs = wire.REASSEMBLY_TIMEOUT_MS,
  }) {
    this.url = url;
    this.wire = wire;
    this.peerId = peerId;
    this.onMessage = onMessage;
    this.keepaliveMs = keepaliveMs;
    this.decode = true;
    this.stats = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0 };
    /** docId → { snapshot?, version, responded } */
    this.joined = new Map();
    this.onFailure = onFailure;
    this.reassembler = new wire.FragmentReassembler({
      maxBytes: 64 * 1024 * 1024,
      timeoutMs: reassemblyTimeoutMs,
    });
    this.closed = false;
  }

  /** Opens the socket and completes the handshake; resolves when `establish-response` arrived. */
  connect(timeoutMs = 60_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.peerId}: no establish-response within ${timeoutMs} ms`));
        this.close();
      }, timeoutMs);
      this.established = () => {
        clearTimeout(timer);
        resolve();
      };
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      ws.binaryType = "nodebuffer";
      ws.on("open", () => {
        this.send({
          type: "channel/establish-request",
          identity: { peerId: this.peerId, type: "user" },
        });
        if (this.keepaliveMs > 0) {
          // Random phase, as many clients started at once would not ping in step forever.
          this.pingTimer = setTimeout(() => {
            this.ping();
            this.pingTimer = setInterval(() => this.ping(), this.keepaliveMs);
          }, Math.random() * this.keepaliveMs);
        }
      });
      ws.on("message", (data, isBinary) => this.receive(data, isBinary));
      ws.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on("close", () => {
        clearTimeout(timer);
        this.stopTimers();
        if (!this.closed) reject(new Error(`${this.peerId}: socket closed by the hub`));
      });
    });
  }

  ping() {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(PING);
    this.stats.framesOut++;
    this.stats.bytesOut += PING.length;
  }

  stopTimers() {
    clearTimeout(this.pingTimer);
    clearInterval(this.pingTimer);
  }

  send(msg) {
    const payloads = unwrap(
      this.wire.encodeTransportPayloads(msg, { threshold: FRAGMENT_THRESHOLD, batchId }),
      "encode",
    );
    for (const p of payloads) {
      this.ws.send(p);
      this.stats.framesOut++;
      this.stats.bytesOut += p.length;
    }
  }

  /** Asks for `docId` holding `version` (a record); pushes `snapshot` when the hub asks for it. */
  join(docId, { snapshot, version = {} } = {}) {
    this.joined.set(docId, { snapshot, version, responded: false });
    this.send({
      type: "channel/sync-request",
      docId,
      requesterDocVersion: version,
      bidirectional: true,
    });
  }

  receive(data, isBinary) {
    try {
      this.receiveOrThrow(data, isBinary);
    } catch (e) {
      this.failure ??= e;
      this.onFailure?.(e);
    }
  }

  receiveOrThrow(data, isBinary) {
    this.stats.framesIn++;
    this.stats.bytesIn += data.length;
    if (!isBinary) return; // "pong"
    this.onPayload?.(data);
    if (!this.decode) return;
    const at = monoMs();
    for (const outcome of this.reassembler.receive(data, performance.now())) {
      const frame = unwrap(outcome, "reassemble");
      for (const msg of unwrap(this.wire.decodeFrameV2(frame), "decode")) this.handle(msg, at);
    }
  }

  handle(msg, at) {
    switch (msg.type) {
      case "channel/batch":
        for (const m of msg.messages) this.handle(m, at);
        return;
      case "channel/establish-response":
        this.established?.();
        return;
      case "channel/sync-request": {
        const held = this.joined.get(msg.docId);
        if (held === undefined) return; // an offer of a document we did not join (D-14)
        const theirs = msg.requesterDocVersion ?? {};
        const behind =
          held.snapshot !== undefined &&
          Object.entries(held.version).some(([peer, counter]) => (theirs[peer] ?? 0) < counter);
        this.send({
          type: "channel/sync-response",
          docId: msg.docId,
          transmission: behind
            ? { type: "snapshot", data: held.snapshot, version: held.version }
            : { type: "up-to-date", version: held.version },
        });
        held.responded = true;
        break;
      }
      case "channel/sync-response":
      case "channel/update": {
        const held = this.joined.get(msg.docId);
        const version = msg.transmission?.version;
        if (held !== undefined && version !== undefined) {
          const merged = { ...held.version };
          for (const [peer, counter] of Object.entries(version)) {
            if ((merged[peer] ?? 0) < counter) merged[peer] = counter;
          }
          held.version = merged;
        }
        if (held !== undefined && msg.type === "channel/sync-response") held.answered = true;
        break;
      }
      default:
        break;
    }
    this.onMessage?.(msg, at);
  }

  close() {
    this.closed = true;
    this.stopTimers();
    this.reassembler.dispose();
    this.ws?.terminate();
  }
}
