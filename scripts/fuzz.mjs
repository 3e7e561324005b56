// Hostile traffic against a running hub, over real sockets:
//
//   npm run fuzz -- --url ws://127.0.0.1:8787 --frames 100000 --seed 7 [--pid <hub pid>]
//   npm run fuzz -- --spawn --frames 100000 --seed 7      # starts its own hub (dist) on a temp dir
//
// Frames are drawn from one seeded generator (mulberry32), so a seed names the exact sequence of
// frames and the socket each goes to (frame i → socket i mod --sockets); `--dump i` prints
// frame i of a seed in hex without sending anything, to replay one finding by hand. What the hub
// sees can still differ between runs in where a socket it closed reconnects.
//
// The mix: random bytes; valid frames with bytes mutated; well-formed CBOR of wrong shapes
// (each one invalid by construction: a required field missing or of the wrong kind, a version
// vector as a map, an identity type of null, invalid UTF-8 in a docId, establishment inside a
// BATCH-flag frame, indefinite lengths, duplicate keys); fragment abuse (bad counts and sizes,
// unknown batches, duplicates, batches never finished); protocol abuse with valid shapes (answers
// nobody asked for, messages before the handshake, corrupt Loro data, presence floods); and text
// frames. Between bursts a fresh client must still handshake and sync through the hub; at the end
// the hub's directory must hold no document named by an invalid message ("junk-…" ids, which only
// invalid messages use). Prints its figures, and with --json a last line of JSON.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "cborg";
import { WebSocket } from "ws";
import {
  decodeFrameV2,
  encodeFrameV2,
  encodeTransportPayloads,
  FragmentReassembler,
} from "../dist/src/protocol/wire/index.js";
import { createRepo } from "../dist/streams/index.js";
import { webSocketClient } from "../dist/streams/node.js";
import { mulberry32 } from "../dist/streams/testing/prng.js";

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, fallback) => {
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  if (eq !== undefined) return eq.slice(name.length + 1);
  const i = argv.indexOf(name);
  return i === -1 || i + 1 >= argv.length ? fallback : argv[i + 1];
};
const FRAMES = Number(opt("--frames", "10000"));
const SEED = Number(opt("--seed", String(Math.floor(Math.random() * 2 ** 31))));
const BURST = Number(opt("--burst", "2000"));
const SOCKETS = Number(opt("--sockets", "4"));
const DUMP = opt("--dump", undefined);
/** Stop (at the end of a burst) once this much time has passed; the figures say how far it got. */
const MAX_SECONDS = Number(opt("--max-seconds", "Infinity"));
const JSON_OUT = flag("--json");
let url = opt("--url", undefined);
let pid = opt("--pid", undefined) === undefined ? undefined : Number(opt("--pid"));
if (url === undefined && !flag("--spawn") && DUMP === undefined && opt("--find") === undefined) {
  console.error("usage: npm run fuzz -- (--url ws://host:port [--pid P] | --spawn) [--frames N]");
  console.error("       [--seed S] [--burst B] [--sockets K] [--max-seconds T] [--json]");
  console.error("       [--dump I | --find DOCID]");
  process.exit(2);
}

// ---------------------------------------------------------------- generation
const rng = mulberry32(SEED);
const int = (n) => Math.floor(rng() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rng() < p;
const bytes = (n) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(256);
  return out;
};
let serial = 0;
const id = (ns) => `${ns}-${SEED}-${serial++}`;
const VV = Uint8Array.of(1, 7, 4); // {7: 2}
const EMPTY_VV = Uint8Array.of(0);
const PRESENCE = () => ({ p: String(int(1000) + 1), d: bytes(int(8)), ns: "presence" });

/** A 00-prefixed version-2 transport payload around a CBOR payload. */
const payloadOf = (cbor, flags = 0) => {
  const out = new Uint8Array(7 + cbor.length);
  out[1] = 2;
  out[2] = flags;
  new DataView(out.buffer).setUint32(3, cbor.length);
  out.set(cbor, 7);
  return out;
};
const complete = (message) => {
  const frame = encodeFrameV2(message);
  if (frame._tag === "Left") throw new Error(frame.left.message);
  const out = new Uint8Array(frame.right.length + 1);
  out.set(frame.right, 1);
  return out;
};

/** Valid messages (our own encoder), for mutation and for the protocol-abuse category. */
const validMessage = (ns) => {
  const docId = id(ns);
  switch (int(8)) {
    case 0:
      return {
        type: "channel/establish-request",
        identity: { peerId: String(int(1e6) + 1), type: "user" },
      };
    case 1:
      return {
        type: "channel/sync-request",
        docId,
        requesterDocVersion: {},
        bidirectional: chance(0.5),
      };
    case 2:
      return {
        type: "channel/sync-response",
        docId,
        transmission: pick([
          { type: "snapshot", data: bytes(int(40)), version: { 7: 2 } },
          { type: "update", data: bytes(int(40)), version: { 7: 2 } },
          { type: "up-to-date", version: { 7: 2 } },
          { type: "unavailable" },
        ]),
      };
    case 3:
      return {
        type: "channel/update",
        docId,
        transmission: { type: "update", data: bytes(int(40)), version: {} },
      };
    case 4:
      return { type: "channel/new-doc", docIds: [docId] };
    case 5:
      return { type: "channel/delete-request", docId };
    case 6:
      return {
        type: "channel/ephemeral",
        docId,
        hopsRemaining: pick([0, 1, 2 ** 31]),
        stores: [{ peerId: "9", namespace: "presence", data: bytes(int(20)) }],
      };
    default:
      return { type: "channel/directory-request" };
  }
};

/** Templates of valid wire maps (§13.2.2) with a junk docId, and ways to make each invalid. */
const TEMPLATES = [
  () => ({ t: 0x10, doc: id("junk"), v: EMPTY_VV, bi: true }),
  () => ({ t: 0x10, doc: id("junk"), v: VV, e: [PRESENCE()], bi: false }),
  () => ({ t: 0x11, doc: id("junk"), tx: { k: 1, d: bytes(8), v: VV } }),
  () => ({ t: 0x11, doc: id("junk"), tx: { k: 0, v: VV }, e: [PRESENCE()] }),
  () => ({ t: 0x12, doc: id("junk"), tx: { k: 2, d: bytes(8), v: VV } }),
  () => ({ t: 0x21, docs: [id("junk")] }),
  () => ({ t: 0x22, docs: [id("junk")] }),
  () => ({ t: 0x40, doc: id("junk"), h: 1, st: [PRESENCE()] }),
];
/**
 * Wrong values per key: each one makes the message invalid (§4, §13.2.2). `null` only where the
 * field is required (for optional ones it reads as absent); no `[]` where an empty list is valid.
 */
const WRONG = {
  doc: () => [null, 0, 1.5, true, "", Uint8Array.of(0x61), [], {}, ["x"]],
  docs: () => [null, 0, "a", Uint8Array.of(0x61), {}, [1], [""], [Uint8Array.of(0x61)]],
  v: () => [null, 0, "0104", {}, { 7: 2 }, [], true],
  tx: () => [
    null,
    0,
    "x",
    Uint8Array.of(1),
    [],
    {},
    { k: 9 },
    { k: 1, v: VV },
    { k: 0 },
    { k: "snapshot", d: bytes(2), v: VV },
  ],
  h: () => [null, -1, 1.5, "1", true, Uint8Array.of(1), [], {}],
  st: () => [
    null,
    0,
    "x",
    {},
    [1],
    [{}],
    [{ p: 5, d: bytes(2), ns: "x" }],
    [{ p: "1", d: "text", ns: "x" }],
  ],
  bi: () => [0, 1, "true", Uint8Array.of(1), [], {}],
  e: () => [0, "x", {}, [1], [{}], [{ p: "1", d: bytes(1) }]],
};
const breakMessage = (m) => {
  const keys = Object.keys(m).filter((k) => k !== "t");
  const key = pick(keys);
  switch (int(4)) {
    case 0: {
      // A required field missing.
      const required = keys.filter((k) => k !== "e" && k !== "bi");
      delete m[pick(required)];
      return m;
    }
    case 1: // Invalid UTF-8 in the docId (the marker is replaced by bytes after encoding).
      if ("doc" in m) m.doc = `${m.doc}\u0001BAD`;
      else m.docs = [`${m.docs[0]}\u0001BAD`];
      return m;
    default: // A field of a wrong kind.
      m[key] = pick(WRONG[key]());
      return m;
  }
};
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff]];
const replaceMarker = (cbor) => {
  const marker = Buffer.from("\u0001BAD");
  const at = Buffer.from(cbor).indexOf(marker);
  if (at < 0) return cbor;
  const bad = pick(BAD_UTF8);
  // Same length: keep the text header valid, pad with ASCII.
  const fill = [...bad, ...Array(marker.length - bad.length).fill(0x61)];
  const out = Uint8Array.from(cbor);
  out.set(fill, at);
  return out;
};
/** A few hand-written encodings the mapping forbids (docIds "junk-…"). */
const unusualEncoding = () => {
  const doc = Buffer.from(id("junk"));
  const text = Buffer.concat([Buffer.from([0x78, doc.length]), doc]);
  const hex = (h) => Buffer.from(h.replace(/\s+/g, ""), "hex");
  switch (int(5)) {
    case 0: // indefinite-length map: new-doc {docs [doc]}
      return payloadOf(Buffer.concat([hex("bf 6174 1822 64646f6373 81"), text, hex("ff")]));
    case 1: // indefinite-length array
      return payloadOf(Buffer.concat([hex("a2 6174 1822 64646f6373 9f"), text, hex("ff")]));
    case 2: // duplicate key, the second docs list empty
      return payloadOf(
        Buffer.concat([hex("a3 6174 1822 64646f6373 81"), text, hex("64646f6373 80")]),
      );
    case 3: // half-precision float for hops
      return payloadOf(
        Buffer.concat([hex("a4 6174 1840 63646f63"), text, hex("6168 f93c00 627374 80")]),
      );
    default: // identity type null inside a BATCH-flag frame, then a new-doc
      return payloadOf(
        Buffer.concat([
          hex("82 a3 6174 01 626964 63313233 6179 f6 a2 6174 1822 64646f6373 81"),
          text,
        ]),
        1,
      );
  }
};
const wrongShape = () => {
  if (chance(0.2)) return unusualEncoding();
  const m = breakMessage(pick(TEMPLATES)());
  const cbor = replaceMarker(encode(m));
  if (chance(0.15)) {
    // The same invalid message as the only member of a BATCH-flag frame or of a 0x50 batch.
    if (chance(0.5)) return payloadOf(Buffer.concat([Buffer.of(0x81), cbor]), 1);
    return payloadOf(
      Buffer.concat([Buffer.from([0xa2, 0x61, 0x74, 0x18, 0x50, 0x61, 0x6d, 0x81]), cbor]),
    );
  }
  return payloadOf(cbor);
};
const mutated = () => {
  const out = Buffer.from(complete(validMessage("mut")));
  for (let n = 1 + int(4); n > 0; n--) {
    const at = int(out.length);
    switch (int(4)) {
      case 0:
        out[at] = int(256);
        break;
      case 1:
        out[at] ^= 1 << int(8);
        break;
      case 2:
        return out.subarray(0, at);
      default:
        out[at] = pick([0, 0xff, 0x7f, 0x80, 0xf6, 0xf7]);
    }
  }
  return out;
};
const randomBytes = () => {
  const body = bytes(int(300));
  if (chance(0.5)) return body;
  return Buffer.concat([Buffer.from([0, 2, int(2), 0, 0, 0, body.length]), body]);
};
const fragmentAbuse = () => {
  const batch = chance(0.3) ? Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) : bytes(8);
  const header = (count, size) => {
    const out = new Uint8Array(17);
    out[0] = 1;
    out.set(batch, 1);
    new DataView(out.buffer).setUint32(9, count);
    new DataView(out.buffer).setUint32(13, size);
    return out;
  };
  const data = (index, chunk) => {
    const out = new Uint8Array(13 + chunk.length);
    out[0] = 2;
    out.set(batch, 1);
    new DataView(out.buffer).setUint32(9, index);
    out.set(chunk, 13);
    return out;
  };
  switch (int(6)) {
    case 0:
      return header(pick([0, 1, 2, 2 ** 32 - 1]), pick([0, 10, 2 ** 32 - 1]));
    case 1:
      return data(pick([0, 1, 2 ** 31]), bytes(1 + int(64)));
    case 2:
      return header(2 + int(1000), 64 + int(100_000)); // never finished
    case 3:
      return bytes(1 + int(16)).map((b, i) => (i === 0 ? 1 + int(2) : b)); // truncated
    case 4: {
      // A valid message, really fragmented: header and all pieces in one burst as one frame each
      // would be; here only the header (the pieces follow as further fuzz frames may not).
      const parts = encodeTransportPayloads(validMessage("mut"), {
        threshold: 8,
        batchId: () => batch,
      });
      return parts._tag === "Right" ? pick(parts.right) : bytes(4);
    }
    default:
      return data(int(4), bytes(1 + int(2000)));
  }
};
/** Valid shapes used wrongly (docIds "abuse-…": valid messages, so they may create documents). */
const protocolAbuse = () => {
  switch (int(5)) {
    case 0:
      return complete({
        type: "channel/establish-response",
        identity: { peerId: String(int(1e6) + 1), type: "bot" },
      });
    case 1:
      return complete({
        type: "channel/establish-request",
        identity: { peerId: String(int(1e6) + 1), type: "user" },
      });
    case 2:
      return complete(validMessage("abuse"));
    case 3:
      return complete({
        type: "channel/batch",
        messages: Array.from({ length: 1 + int(20) }, () => validMessage("abuse")).filter(
          (m) => !m.type.startsWith("channel/establish"),
        ),
      });
    default:
      return complete({
        type: "channel/ephemeral",
        docId: id("abuse"),
        hopsRemaining: 2 ** 31,
        stores: Array.from({ length: 1 + int(10) }, () => ({
          peerId: String(int(100)),
          namespace: "",
          data: bytes(int(64)),
        })),
      });
  }
};
const textFrame = () =>
  pick([
    () => "ping",
    () => "ready",
    () => Buffer.from(bytes(int(100))).toString("latin1"),
    () => JSON.stringify({ type: "channel/new-doc", docIds: [id("junk")] }),
    () =>
      JSON.stringify({ type: "channel/sync-request", docId: id("junk"), requesterDocVersion: {} }),
  ])();

const CATEGORIES = [
  ["random-bytes", randomBytes],
  ["mutated-valid", mutated],
  ["wrong-shape-cbor", wrongShape],
  ["fragment-abuse", fragmentAbuse],
  ["protocol-abuse", protocolAbuse],
  ["text", textFrame],
];
const nextFrame = () => {
  const [name, make] = pick(CATEGORIES);
  return { name, data: make() };
};

const FIND = opt("--find", undefined);
if (FIND !== undefined) {
  // The frame whose bytes name a docId (a junk document the hub kept, say): its index and hex.
  const needle = Buffer.from(FIND);
  for (let i = 0; i < FRAMES; i++) {
    const frame = nextFrame();
    const data = Buffer.from(frame.data);
    if (data.includes(needle)) {
      console.log(`seed ${SEED} frame ${i} (${frame.name}): ${data.toString("hex")}`);
      process.exit(0);
    }
  }
  console.log(`no frame of seed ${SEED} names ${FIND}`);
  process.exit(1);
}
if (DUMP !== undefined) {
  let frame;
  for (let i = 0; i <= Number(DUMP); i++) frame = nextFrame();
  const data = typeof frame.data === "string" ? Buffer.from(frame.data) : Buffer.from(frame.data);
  console.log(
    `seed ${SEED} frame ${DUMP} (${frame.name}, ${typeof frame.data === "string" ? "text" : "binary"}): ${data.toString("hex")}`,
  );
  process.exit(0);
}

// ---------------------------------------------------------------- the hub
let spawned;
let spawnedDir;
const CLI = new URL("../dist/streams/hub/cli.js", import.meta.url).pathname;
if (url === undefined) {
  spawnedDir = await mkdtemp(join(tmpdir(), "loro-rx-fuzz-"));
  spawned = spawn(
    process.execPath,
    [CLI, "serve", "--port", "0", "--data", spawnedDir, "--status-ms", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  pid = spawned.pid;
  url = await new Promise((resolve, reject) => {
    let out = "";
    spawned.stdout.on("data", (b) => {
      out += b;
      const m = /listening on (ws:\/\/\S+),/.exec(out);
      if (m !== null) resolve(m[1]);
    });
    spawned.once("exit", () => reject(new Error("the hub exited before listening")));
  });
}
// Whatever happens below, a hub we started does not outlive us.
process.on("exit", () => spawned?.kill("SIGKILL"));
const httpUrl = url.replace(/^ws/, "http");
const rssMb = () => {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
};
const hubAlive = async () => {
  if (pid !== undefined) {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
  }
  // Twice: a pooled keep-alive socket the hub closed just now fails one fetch (ECONNRESET, seen
  // with eviction off) without saying anything about the hub.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${httpUrl}/health`);
      if (!res.ok) console.error(`fuzz: /health answered ${res.status}: ${await res.text()}`);
      return res.ok;
    } catch (e) {
      console.error(`fuzz: /health failed (attempt ${attempt}): ${e?.cause?.message ?? e}`);
      if (attempt === 2) return false;
    }
  }
};

// ---------------------------------------------------------------- sockets
const stats = { sent: 0, byCategory: {}, closedByHub: 0, reconnects: 0, health: [], crashes: 0 };
const sockets = [];
const openSocket = (slot) =>
  new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("error", () => undefined);
    ws.on("message", () => undefined);
    ws.once("open", () => {
      // Most sockets introduce themselves first; some talk without a handshake.
      if (slot % 4 !== 3)
        ws.send(
          complete({
            type: "channel/establish-request",
            identity: { peerId: String(5000 + slot), type: "user" },
          }),
        );
      resolve(ws);
    });
    ws.once("close", (code) => {
      if (code !== 1000 && code !== 1005) stats.closedByHub++;
      resolve(undefined);
    });
  });
const socketFor = async (slot) => {
  let ws = sockets[slot];
  while (ws === undefined || ws.readyState !== WebSocket.OPEN) {
    if (ws !== undefined) stats.reconnects++;
    ws = await openSocket(slot);
    if (ws === undefined) await sleep(20);
  }
  sockets[slot] = ws;
  return ws;
};

// ---------------------------------------------------------------- checks
const clientRepo = () =>
  createRepo({
    transports: [webSocketClient({ url, reconnect: false, keepalive: false })],
    heartbeatMs: 0,
  });
const healthCheck = async (round) => {
  const writer = clientRepo();
  const reader = clientRepo();
  const docId = `check-${SEED}-${round}`;
  try {
    const doc = writer.doc(docId);
    doc.getText("t").insert(0, `round ${round}`);
    doc.commit();
    await writer.whenSynced(docId, { timeout: 20_000 });
    const copy = reader.doc(docId);
    const deadline = Date.now() + 20_000;
    while (copy.getText("t").toString() !== `round ${round}`) {
      if (Date.now() > deadline) return false;
      await sleep(10);
    }
    return true;
  } catch {
    return false;
  } finally {
    await writer.close();
    await reader.close();
  }
};
/**
 * Every docId the hub lets an established peer know about (directory-request, §6.9). With many
 * documents the answer (and the handshake's offers before it) arrive fragmented (§13.3).
 */
const directory = () =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const reassembler = new FragmentReassembler();
    const timer = setTimeout(() => reject(new Error("no directory-response")), 300_000);
    ws.on("error", reject);
    ws.once("open", () => {
      ws.send(
        complete({
          type: "channel/establish-request",
          identity: { peerId: "4242", type: "service" },
        }),
      );
      ws.send(complete({ type: "channel/directory-request" }));
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) return;
      for (const frame of reassembler.receive(new Uint8Array(data), Date.now())) {
        if (frame._tag === "Left") continue;
        const decoded = decodeFrameV2(frame.right);
        if (decoded._tag === "Left") continue;
        for (const m of decoded.right) {
          if (m.type === "channel/directory-response") {
            clearTimeout(timer);
            reassembler.dispose();
            ws.close();
            resolve(m.docIds);
          }
        }
      }
    });
  });

// ---------------------------------------------------------------- run
const started = Date.now();
const rss = { start: rssMb(), peak: rssMb() ?? 0, end: undefined };
console.error(
  `fuzz: seed ${SEED}, ${FRAMES} frames to ${url}${pid === undefined ? "" : ` (pid ${pid})`}`,
);
let round = 0;
for (let i = 0; i < FRAMES; ) {
  const end = Math.min(FRAMES, i + BURST);
  for (; i < end; i++) {
    const frame = nextFrame();
    const ws = await socketFor(i % SOCKETS);
    // Bounded on our side too: wait while the socket's send buffer is over 1 MB.
    while (ws.bufferedAmount > 1 << 20 && ws.readyState === WebSocket.OPEN) await sleep(1);
    ws.send(frame.data);
    stats.sent++;
    stats.byCategory[frame.name] = (stats.byCategory[frame.name] ?? 0) + 1;
    if (i % 200 === 199) await sleep(0);
  }
  round++;
  if ((Date.now() - started) / 1000 > MAX_SECONDS) {
    console.error(`fuzz: --max-seconds reached after ${i} frames`);
  }
  const alive = await hubAlive();
  if (!alive) {
    stats.crashes++;
    console.error(`fuzz: the hub is down after frame ${i}`);
    break;
  }
  const ok = await healthCheck(round);
  stats.health.push(ok);
  const now = rssMb();
  if (now !== undefined) rss.peak = Math.max(rss.peak, now);
  console.error(
    `fuzz: ${i} frames, ${((i * 1000) / (Date.now() - started)).toFixed(0)} frames/s, fresh client ${ok ? "synced" : "FAILED"}${now === undefined ? "" : `, hub RSS ${now.toFixed(0)} MB`}`,
  );
  if ((Date.now() - started) / 1000 > MAX_SECONDS) break;
}
for (const ws of sockets) ws?.terminate();
const elapsed = (Date.now() - started) / 1000;
let docIds = [];
let junk = [];
if (await hubAlive()) {
  docIds = await directory();
  junk = docIds.filter((d) => d.startsWith("junk-"));
} else if (stats.crashes === 0) stats.crashes++;
rss.end = rssMb();
const summary = {
  seed: SEED,
  frames: stats.sent,
  seconds: Number(elapsed.toFixed(1)),
  framesPerSecond: Math.round(stats.sent / elapsed),
  byCategory: stats.byCategory,
  closedByHub: stats.closedByHub,
  healthChecks: stats.health.length,
  healthFailures: stats.health.filter((ok) => !ok).length,
  crashes: stats.crashes,
  documents: docIds.length,
  abuseDocuments: docIds.filter((d) => d.startsWith("abuse-")).length,
  mutatedDocuments: docIds.filter((d) => d.startsWith("mut-")).length,
  junkDocuments: junk.length,
  junk: junk.slice(0, 20),
  rssMb: {
    start: rss.start === undefined ? null : Math.round(rss.start),
    peak: rss.peak === 0 ? null : Math.round(rss.peak),
    end: rss.end === undefined ? null : Math.round(rss.end),
  },
};
console.log(
  `fuzz: seed ${SEED}: ${summary.frames} frames in ${summary.seconds} s (${summary.framesPerSecond}/s); ` +
    `crashes ${summary.crashes}; fresh-client checks ${summary.healthChecks - summary.healthFailures}/${summary.healthChecks}; ` +
    `junk documents ${summary.junkDocuments}; documents ${summary.documents} (${summary.abuseDocuments} from valid-shaped abuse, ` +
    `${summary.mutatedDocuments} from mutations that stayed valid); ` +
    `sockets closed by the hub ${summary.closedByHub}; hub RSS MB start/peak/end ${summary.rssMb.start}/${summary.rssMb.peak}/${summary.rssMb.end}`,
);
if (JSON_OUT) console.log(JSON.stringify(summary));
if (spawned !== undefined) {
  spawned.kill("SIGTERM");
  await new Promise((resolve) => spawned.once("exit", resolve));
  await rm(spawnedDir, { recursive: true, force: true });
}
process.exit(
  summary.crashes === 0 && summary.junkDocuments === 0 && summary.healthFailures === 0 ? 0 : 1,
);
