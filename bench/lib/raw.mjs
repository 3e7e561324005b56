// Raw-Loro baselines (WORKLOADS §1.8 and the "Raw baseline" line of each workload): the same
// document work with loro-crdt alone, synchronously, no engine, no transport, no encoding.
// Each function does one full-size run: setup untimed, then the timed part; verification after.
import { performance } from "node:perf_hooks";
import * as loro from "loro-crdt";
import { busyWaitUntil, latencySummary } from "./util.mjs";

const { LoroDoc, EphemeralStoreWasm, VersionVector } = loro;
const LONG_TIMEOUT = 2_147_483_647;

function fromSnapshot(bytes, peer) {
  const doc = new LoroDoc();
  if (peer !== undefined) doc.setPeerId(BigInt(peer));
  doc.import(bytes);
  return doc;
}

function check(fx, source, copy, what) {
  const a = fx.contentFingerprint(source);
  const b = fx.contentFingerprint(copy);
  if (a !== b) throw new Error(`raw verification failed: ${what} ${b} != ${a}`);
}

const freeAll = (docs) => {
  for (const d of docs) d.free();
};

/** W1 / W4: export a snapshot of each of A's docs and import it into a new empty doc. */
export function rawInitialSync({ fx, snapshots }) {
  const a = snapshots.map((s) => fromSnapshot(s, 1));
  const b = [];
  let bytes = 0;
  const t0 = performance.now();
  for (const doc of a) {
    const snap = doc.export({ mode: "snapshot" });
    bytes += snap.length;
    const copy = new LoroDoc();
    copy.import(snap);
    b.push(copy);
  }
  const ms = performance.now() - t0;
  a.forEach((doc, i) => {
    check(fx, doc, b[i], `doc ${i}`);
  });
  freeAll(a);
  freeAll(b);
  return { ms, traffic: { bytes, frames: a.length, messages: a.length } };
}

/** W2 (and W2b): K+1 copies of S(0); the writer's local updates imported by every other copy. */
export function rawEditStream({ fx, snapshot0, k, u, paced }) {
  const writer = fromSnapshot(snapshot0, 101);
  const others = [];
  for (let i = 0; i < k; i++) others.push(fromSnapshot(snapshot0, i === 0 ? 1 : 101 + i));
  let bytes = 0;
  let frames = 0;
  const unsubscribe = writer.subscribeLocalUpdates((update) => {
    bytes += update.length;
    frames++;
    for (const doc of others) doc.import(update);
  });
  const text = writer.getText("text");
  const burst = fx.w2Edits(text.length, u, fx.W2_EDITS.burstSeed);
  const t0 = performance.now();
  for (const e of burst) {
    text.insert(e.pos, e.text);
    writer.commit();
  }
  const ms = performance.now() - t0;
  const burstTraffic = { bytes, frames, messages: frames };
  for (const doc of others) check(fx, writer, doc, "burst");
  const latencies = [];
  for (const e of fx.w2Edits(text.length, paced, fx.W2_EDITS.pacedSeed)) {
    const s = performance.now();
    text.insert(e.pos, e.text);
    writer.commit();
    latencies.push(performance.now() - s);
  }
  for (const doc of others) check(fx, writer, doc, "paced");
  unsubscribe();
  writer.free();
  freeAll(others);
  return {
    ms,
    traffic: burstTraffic,
    paced: latencySummary(latencies),
    secondary: { issueMs: ms },
  };
}

/** W3: K+1 ephemeral stores; each publish is set, encode(key), apply at hub + other spokes. */
export function rawPresence({ fx, k, p }) {
  const hub = new EphemeralStoreWasm(LONG_TIMEOUT);
  const spokes = [];
  for (let j = 1; j <= k; j++) spokes.push(new EphemeralStoreWasm(LONG_TIMEOUT));
  let bytes = 0;
  let frames = 0;
  const publish = (r) => {
    for (let j = 1; j <= k; j++) {
      const key = String(100 + j);
      const store = spokes[j - 1];
      store.set(key, fx.presenceValue(j, r));
      const data = store.encode(key);
      bytes += data.length;
      frames++;
      hub.apply(data);
      for (let o = 1; o <= k; o++) if (o !== j) spokes[o - 1].apply(data);
    }
  };
  publish(0);
  bytes = 0;
  frames = 0;
  const t0 = performance.now();
  let lastIssued = Date.now();
  for (let r = 1; r <= p - 1; r++) {
    publish(r);
    lastIssued = Date.now();
  }
  const waited = busyWaitUntil(lastIssued + 2);
  publish(p);
  const ms = performance.now() - t0 - waited;
  for (let j = 1; j <= k; j++) {
    const key = String(100 + j);
    const want = fx.canonicalJson(fx.presenceValue(j, p));
    const seen = [hub, ...spokes.filter((_, o) => o !== j - 1)];
    for (const s of seen) {
      if (fx.canonicalJson(s.get(key)) !== want) {
        throw new Error(`raw verification failed: presence of spoke ${j}`);
      }
    }
  }
  hub.free();
  for (const s of spokes) s.free();
  return {
    ms,
    traffic: { bytes, frames, messages: frames },
    secondary: { busyWaitMs: waited },
  };
}

/** W5: B sends every version vector; A answers with an update where it is ahead. */
export function rawReconnect({ fx, snapshots, n }) {
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(fromSnapshot(snapshots[i], 1));
    b.push(fromSnapshot(snapshots[i], 2));
  }
  fx.w5ChangedIndexes(n).forEach((i, k) => {
    fx.applyW5Change(a[i], k);
  });
  let bytes = 0;
  let updates = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const vv = b[i].oplogVersion().encode();
    bytes += vv.length;
    const theirs = VersionVector.decode(vv);
    const cmp = a[i].oplogVersion().compare(theirs);
    if (cmp === 1 || cmp === undefined) {
      const update = a[i].export({ mode: "update", from: theirs });
      bytes += update.length;
      updates++;
      b[i].import(update);
    }
  }
  const ms = performance.now() - t0;
  for (let i = 0; i < n; i++) check(fx, a[i], b[i], `doc ${i}`);
  freeAll(a);
  freeAll(b);
  return {
    ms,
    traffic: { bytes, frames: n + updates, messages: n + updates },
    secondary: { updates },
  };
}

/** W6: one refresh of every spoke's own presence value, applied at the hub and other spokes. */
export function rawIdleRefresh({ fx, k }) {
  const hub = new EphemeralStoreWasm(LONG_TIMEOUT);
  const spokes = [];
  for (let j = 1; j <= k; j++) {
    const s = new EphemeralStoreWasm(LONG_TIMEOUT);
    s.set(String(100 + j), fx.presenceValue(j, 0));
    spokes.push(s);
  }
  let bytes = 0;
  let frames = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let j = 1; j <= k; j++) {
    const key = String(100 + j);
    const store = spokes[j - 1];
    store.set(key, fx.presenceValue(j, 0));
    const data = store.encode(key);
    bytes += data.length;
    frames++;
    hub.apply(data);
    for (let o = 1; o <= k; o++) if (o !== j) spokes[o - 1].apply(data);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  hub.free();
  for (const s of spokes) s.free();
  return {
    ms,
    traffic: { bytes, frames, messages: frames },
    secondary: { cpuMs: (cpu.user + cpu.system) / 1000 },
  };
}
