// Encode/decode throughput of the wire encodings for a ~1 MiB Loro update.
// Run after `npm run build`:  node scripts/wire-throughput.mjs
// Numbers are for comparison between runs on one machine; nothing asserts them.
import { LoroDoc } from "loro-crdt";
import {
  decodeFrameV1,
  decodeFrameV2,
  decodeJson,
  encodeFrameV1,
  encodeFrameV2,
  encodeJson,
  encodeTransportPayloads,
  FragmentReassembler,
} from "../dist/src/protocol/wire/index.js";

const MiB = 1024 * 1024;

/** A real update blob: ~1 MiB of text typed in 1 KiB edits. */
const makeUpdate = (targetBytes) => {
  const doc = new LoroDoc();
  doc.setPeerId(1n);
  const text = doc.getText("t");
  let n = 0;
  while (doc.export({ mode: "update" }).length < targetBytes) {
    for (let i = 0; i < 4; i++) {
      text.insert(text.length, `${n++} lorem ipsum dolor sit amet `.repeat(30).slice(0, 1024));
    }
    doc.commit();
  }
  const data = doc.export({ mode: "update" });
  const version = Object.fromEntries(doc.oplogVersion().toJSON());
  return {
    type: "channel/update",
    docId: "bench",
    transmission: { type: "update", data, version },
  };
};

const right = (e) => {
  if (e._tag === "Left") throw new Error(JSON.stringify(e.left));
  return e.right;
};

/** Runs `fn` for at least `ms` milliseconds after a warm-up; returns MB/s for `bytes` per run. */
const rate = (bytes, fn, ms = 2000) => {
  for (let i = 0; i < 30; i++) fn();
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn();
    runs++;
    elapsed = performance.now() - start;
  }
  return (bytes * runs) / MiB / (elapsed / 1000);
};

const mbps = (bytes, fn) => (fn ? `${rate(bytes, fn).toFixed(0).padStart(6)} MB/s` : "     — ");

const row = (name, bytes, encode, decode) =>
  console.log(
    `${name.padEnd(46)} ${(bytes / 1024).toFixed(0).padStart(5)} KiB  encode ${mbps(bytes, encode)}  decode ${mbps(bytes, decode)}`,
  );

const big = makeUpdate(MiB);
const size = big.transmission.data.length;
console.log(`update blob: ${size} bytes (MB = MiB here)`);

// Version 2, one frame (fragmentation off).
const frame2 = right(encodeFrameV2(big));
row(
  "v2 frame",
  size,
  () => right(encodeFrameV2(big)),
  () => right(decodeFrameV2(frame2)),
);

// Version 2 transport payloads at the WebSocket default threshold, through the reassembler.
const batchId = () => new Uint8Array(8);
const payloads = right(encodeTransportPayloads(big, { threshold: 102_400, batchId }));
row(
  `v2 transport, 100 KiB fragments (${payloads.length} payloads)`,
  size,
  () => right(encodeTransportPayloads(big, { threshold: 102_400, batchId })),
  () => {
    const r = new FragmentReassembler();
    let frame;
    for (const p of payloads) for (const o of r.receive(p, 0)) frame = right(o);
    right(decodeFrameV2(frame));
  },
);

// Version 1 cannot carry it (65 535-byte payload limit): the encoder refuses and says so.
const refused = encodeFrameV1(big);
console.log(
  `v1 encode of the 1 MiB update: ${refused._tag === "Left" ? refused.left.code : "sent?!"}`,
);
// What a 5.4.2 peer sends instead: the same payload with its length wrapped mod 65 536 (N-34).
const payload = frame2.subarray(6);
const wrapped = new Uint8Array(4 + payload.length);
wrapped[0] = 1;
new DataView(wrapped.buffer).setUint16(2, payload.length % 65_536);
wrapped.set(payload, 4);
row("v1 decode of a 5.4.2 wrapped-length frame", size, undefined, () =>
  right(decodeFrameV1(wrapped)),
);

// Version 1 at its limit: a ~60 KiB update.
const small = makeUpdate(56 * 1024);
const smallSize = small.transmission.data.length;
const frame1 = right(encodeFrameV1(small));
row(
  "v1 frame, ~60 KiB update",
  smallSize,
  () => right(encodeFrameV1(small)),
  () => right(decodeFrameV1(frame1)),
);

// JSON, for comparison (SSE / long-poll).
const json = right(encodeJson(big));
row(
  "JSON (base64)",
  size,
  () => right(encodeJson(big)),
  () => right(decodeJson(json)),
);
