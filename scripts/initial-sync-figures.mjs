// Messages, frames and bytes of an initial sync of N small documents (WORKLOADS S(i) fixtures)
// from a server to an empty client, over the in-process network with the real binary v2 encoder.
// Usage: npm run build && node scripts/initial-sync-figures.mjs [N]
import * as loro from "loro-crdt";
import { createRepo } from "../dist/streams/index.js";
import { createInProcessNetwork, wireCodec } from "../dist/streams/testing/index.js";

const { makeSmallDoc, smallDocId } = await import(
  new URL("../../shared/bench/fixtures.mjs", import.meta.url).href
);
const n = Number(process.argv[2] ?? 100);
const net = createInProcessNetwork({ codec: wireCodec(2) });
const server = createRepo({
  identity: { peerId: "1" },
  transports: [net.peer("server")],
  heartbeatMs: 0,
});
let payload = 0;
for (let i = 0; i < n; i++) {
  const snapshot = makeSmallDoc(loro, i).export({ mode: "snapshot" });
  payload += snapshot.length;
  server.import(smallDocId(i), snapshot);
}
const client = createRepo({
  identity: { peerId: "2" },
  transports: [net.peer("client")],
  heartbeatMs: 0,
});
const ids = Array.from({ length: n }, (_, i) => smallDocId(i));
const done = () =>
  ids.every((id) => client.has(id) && client.doc(id).getText("text").length === 1024);
while (!done() || net.inFlight() > 0) await new Promise((r) => setImmediate(r));
await new Promise((r) => setTimeout(r, 20));
const out = net.countersByDirection().map((d) => ({
  direction: `${d.from}→${d.to}`,
  frames: d.frames,
  messages: d.messages,
  bytes: d.bytes,
}));
const total = net.counters();
console.log(`initial sync of ${n} small documents (snapshots ${payload} bytes in all), binary v2:`);
console.table(out);
console.log(
  `total: ${total.frames} frames, ${total.messages} messages, ${total.bytes} bytes ` +
    `(${(total.bytes / payload).toFixed(2)}× the snapshot bytes)`,
);
await client.close();
await server.close();
net.close();
