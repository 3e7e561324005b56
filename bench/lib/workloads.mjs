// The workloads of WORKLOADS.md §3, written once against a small engine-neutral "system" API
// (engine-loro-rx.mjs, engine-peer.mjs):
//
//   sys.addPeer(name, peerId, { connect }) → peer   sys.open(a, b) / sys.cut(a, b)
//   sys.traffic() → { frames, bytes, messages }      sys.watchFrames() / sys.close()
//   peer.importDoc(id, bytes) / getDoc(id) / openDoc(id) / setPresence / getPresence
//
// `hooks.start()` / `hooks.stop()` bracket the timed section (CPU profiling); setup, warm-up and
// verification stay outside it.
import { performance } from "node:perf_hooks";
import {
  busyWaitUntil,
  latencySummary,
  sameVersion,
  sleep,
  turn,
  waitDone,
  waitQuiet,
} from "./util.mjs";

const NOOP_HOOKS = { start: async () => {}, stop: async () => {} };

const diff = (after, before) => ({
  frames: after.frames - before.frames,
  bytes: after.bytes === null ? null : after.bytes - before.bytes,
  messages: after.messages - before.messages,
});

class VerifyError extends Error {
  constructor(message) {
    super(`verification failed: ${message}`);
    this.name = "VerifyError";
  }
}

/** Done check over a list of (doc getter, target version), advancing past copies that hold it. */
function progressive(items) {
  let next = 0;
  return () => {
    while (next < items.length && sameVersion(items[next].get(), items[next].version)) next++;
    return next === items.length;
  };
}

function verifyCopies(fx, pairs, what) {
  for (const { source, copy, id } of pairs) {
    if (copy === undefined) throw new VerifyError(`${what}: ${id} missing`);
    const want = fx.contentFingerprint(source);
    const got = fx.contentFingerprint(copy);
    if (want !== got) throw new VerifyError(`${what}: ${id} fingerprint ${got} != ${want}`);
  }
}

// ---------------------------------------------------------------------------------------------
// W1 and W4: initial sync over a pipe opened in the timed section
// ---------------------------------------------------------------------------------------------

async function pairWithDocs(makeSystem, docs) {
  const sys = await makeSystem({ hub: "A", heartbeat: false });
  const a = await sys.addPeer("A", 1);
  for (const [id, bytes] of docs) a.importDoc(id, bytes);
  const b = await sys.addPeer("B", 2, { connect: false });
  await waitQuiet(() => sys.traffic().frames);
  return { sys, a, b };
}

/** A holds `docs` ([id, snapshot][]); time from opening the pipe until B holds all of them. */
async function initialSync({ makeSystem, fx, docs, hooks = NOOP_HOOKS }) {
  const { sys, a, b } = await pairWithDocs(makeSystem, docs);
  const ids = docs.map(([id]) => id);
  const items = ids.map((id) => ({
    get: () => b.getDoc(id),
    version: a.getDoc(id).oplogVersion(),
  }));
  const done = progressive(items);
  const before = sys.traffic();
  await hooks.start();
  const t0 = performance.now();
  sys.open("A", "B");
  const t1 = await waitDone(done, "B holds every document");
  await hooks.stop();
  const atDone = diff(sys.traffic(), before);
  await waitQuiet(() => sys.traffic().frames);
  const quiet = diff(sys.traffic(), before);
  verifyCopies(
    fx,
    ids.map((id) => ({ id, source: a.getDoc(id), copy: b.getDoc(id) })),
    "B's copies",
  );
  return { sys, a, b, ms: t1 - t0, atDone, traffic: quiet };
}

export async function w1({ makeSystem, fx, snapshots, n, hooks }) {
  const docs = [];
  for (let i = 0; i < n; i++) docs.push([fx.smallDocId(i), snapshots[i]]);
  const r = await initialSync({ makeSystem, fx, docs, hooks });
  await r.sys.close();
  return {
    ms: r.ms,
    rate: { value: n / (r.ms / 1000), unit: "docs/s" },
    traffic: r.traffic,
    secondary: { trafficAtDone: r.atDone },
  };
}

export async function w4({ makeSystem, fx, docId, snapshot, hooks }) {
  const r = await initialSync({ makeSystem, fx, docs: [[docId, snapshot]], hooks });
  const lenA = r.a.getDoc(docId).getText("text").length;
  const lenB = r.b.getDoc(docId).getText("text").length;
  if (lenA !== lenB) throw new VerifyError(`text length ${lenB} != ${lenA}`);
  await r.sys.close();
  const mb = snapshot.length / 1e6;
  return {
    ms: r.ms,
    rate: { value: mb / (r.ms / 1000), unit: "MB/s" },
    traffic: r.traffic,
    secondary: { trafficAtDone: r.atDone, snapshotBytes: snapshot.length, textLength: lenA },
  };
}

// ---------------------------------------------------------------------------------------------
// W2 / W2b: a writer's edit stream, burst then paced
// ---------------------------------------------------------------------------------------------

/** Burst (U edits, seed 77) then paced (`paced` edits, seed 78) on `writerDoc`. */
async function editStream({ sys, fx, writerDoc, receivers, u, paced, hooks }) {
  const text = writerDoc.getText("text");
  const receiversHold = () => {
    const v = writerDoc.oplogVersion();
    return progressive(receivers.map((get) => ({ get, version: v })));
  };
  const verify = (phase) =>
    verifyCopies(
      fx,
      receivers.map((get, i) => ({ id: `receiver ${i}`, source: writerDoc, copy: get() })),
      `${phase} phase`,
    );

  // Burst.
  const burstEdits = fx.w2Edits(text.length, u, fx.W2_EDITS.burstSeed);
  const before = sys.traffic();
  await hooks.start();
  const t0 = performance.now();
  for (const e of burstEdits) {
    text.insert(e.pos, e.text);
    writerDoc.commit();
  }
  const issued = performance.now();
  const t1 = await waitDone(receiversHold(), "receivers hold the writer's version (burst)");
  const atDone = diff(sys.traffic(), before);
  await waitQuiet(() => sys.traffic().frames);
  const burstTraffic = diff(sys.traffic(), before);
  verify("burst");

  // Paced.
  const pacedEdits = fx.w2Edits(text.length, paced, fx.W2_EDITS.pacedSeed);
  const latencies = [];
  const beforePaced = sys.traffic();
  for (const e of pacedEdits) {
    const s = performance.now();
    text.insert(e.pos, e.text);
    writerDoc.commit();
    const done = receiversHold();
    const end = await waitDone(done, "receivers hold the writer's version (paced)");
    latencies.push(end - s);
  }
  await hooks.stop();
  await waitQuiet(() => sys.traffic().frames);
  const pacedTraffic = diff(sys.traffic(), beforePaced);
  verify("paced");
  return {
    ms: t1 - t0,
    rate: { value: u / ((t1 - t0) / 1000), unit: "updates/s" },
    traffic: burstTraffic,
    paced: latencySummary(latencies),
    secondary: {
      issueMs: issued - t0,
      trafficAtDone: atDone,
      pacedTraffic,
      pacedLatencies: latencies,
    },
  };
}

/** The star of W2/W3/W6: hub holding S(0) as `room`, K spokes that opened and synced it. */
async function roomStar({ makeSystem, snapshot0, k, heartbeat = false }) {
  const sys = await makeSystem({ hub: "hub", heartbeat });
  const hub = await sys.addPeer("hub", 1);
  hub.importDoc("room", snapshot0);
  const spokes = [];
  for (let j = 1; j <= k; j++) {
    const spoke = await sys.addPeer(`spoke-${j}`, 100 + j);
    spoke.openDoc("room");
    spokes.push(spoke);
  }
  const v = hub.getDoc("room").oplogVersion();
  await waitDone(
    progressive(spokes.map((s) => ({ get: () => s.getDoc("room"), version: v }))),
    "spokes hold room (setup)",
  );
  await waitQuiet(() => sys.traffic().frames);
  return { sys, hub, spokes };
}

export async function w2({ makeSystem, fx, snapshot0, k, u, paced, hooks = NOOP_HOOKS }) {
  const { sys, hub, spokes } = await roomStar({ makeSystem, snapshot0, k });
  const writerDoc = spokes[0].openDoc("room");
  const receivers = [hub, ...spokes.slice(1)].map((p) => () => p.getDoc("room"));
  const r = await editStream({ sys, fx, writerDoc, receivers, u, paced, hooks });
  await sys.close();
  return r;
}

export async function w2b({ makeSystem, fx, snapshots, n, u, paced, hooks = NOOP_HOOKS }) {
  const docs = [];
  for (let i = 0; i < n; i++) docs.push([fx.smallDocId(i), snapshots[i]]);
  const r0 = await initialSync({ makeSystem, fx, docs });
  await waitQuiet(() => r0.sys.traffic().frames);
  const id = fx.smallDocId(0);
  const writerDoc = r0.b.getDoc(id);
  const receivers = [() => r0.a.getDoc(id)];
  const r = await editStream({ sys: r0.sys, fx, writerDoc, receivers, u, paced, hooks });
  await r0.sys.close();
  return r;
}

// ---------------------------------------------------------------------------------------------
// W3 / W6: presence on the star
// ---------------------------------------------------------------------------------------------

const NS = "presence";
const spokeKey = (j) => String(100 + j);

/** Progressive check that every observer sees round `round` of every spoke it must see. */
function presenceRound(hub, spokes, round) {
  const pending = [];
  const k = spokes.length;
  for (let j = 1; j <= k; j++) pending.push({ peer: hub, j });
  for (let o = 1; o <= k; o++) {
    for (let j = 1; j <= k; j++) if (j !== o) pending.push({ peer: spokes[o - 1], j });
  }
  let next = 0;
  return {
    pending,
    done() {
      while (next < pending.length) {
        const { peer, j } = pending[next];
        const v = peer.getPresence("room", NS, spokeKey(j));
        if (v === undefined || v.round !== round) return false;
        next++;
      }
      return true;
    },
  };
}

function verifyPresence(fx, hub, spokes, round) {
  const check = presenceRound(hub, spokes, round);
  for (const { peer, j } of check.pending) {
    const got = fx.canonicalJson(peer.getPresence("room", NS, spokeKey(j)));
    const want = fx.canonicalJson(fx.presenceValue(j, round));
    if (got !== want) throw new VerifyError(`presence of spoke ${j}: ${got} != ${want}`);
  }
}

async function presenceSetup({ makeSystem, fx, snapshot0, k, heartbeat }) {
  const star = await roomStar({ makeSystem, snapshot0, k, heartbeat });
  const { sys, hub, spokes } = star;
  hub.getPresence("room", NS, spokeKey(1)); // the hub's view/store of the namespace exists
  spokes.forEach((s, i) => {
    s.setPresence("room", NS, fx.presenceValue(i + 1, 0));
  });
  await waitDone(presenceRound(hub, spokes, 0).done, "everyone sees round 0 (setup)");
  await waitQuiet(() => sys.traffic().frames);
  return { ...star, presenceApi: spokes[0].presenceApi("room", NS) };
}

export async function w3({ makeSystem, fx, snapshot0, k, p, hooks = NOOP_HOOKS }) {
  const { sys, hub, spokes, presenceApi } = await presenceSetup({
    makeSystem,
    fx,
    snapshot0,
    k,
    heartbeat: false,
  });
  const publish = (r) => {
    for (let j = 1; j <= k; j++) spokes[j - 1].setPresence("room", NS, fx.presenceValue(j, r));
  };
  const final = presenceRound(hub, spokes, p);
  const before = sys.traffic();
  await hooks.start();
  const t0 = performance.now();
  let lastIssued = Date.now();
  for (let r = 1; r <= p - 1; r++) {
    publish(r);
    lastIssued = Date.now();
    await turn();
  }
  const waited = busyWaitUntil(lastIssued + 2);
  publish(p);
  const t1 = await waitDone(final.done, `everyone sees round ${p}`);
  await hooks.stop();
  const atDone = diff(sys.traffic(), before);
  await waitQuiet(() => sys.traffic().frames);
  const traffic = diff(sys.traffic(), before);
  verifyPresence(fx, hub, spokes, p);
  await sys.close();
  const ms = t1 - t0 - waited;
  return {
    ms,
    rate: { value: (k * Math.max(1, k - 1) * p) / (ms / 1000), unit: "deliveries/s" },
    traffic,
    secondary: { busyWaitMs: waited, trafficAtDone: atDone, presenceApi },
  };
}

export async function w6({ makeSystem, fx, snapshot0, k, idleMs = 10_000 }) {
  const { sys, hub, spokes, presenceApi } = await presenceSetup({
    makeSystem,
    fx,
    snapshot0,
    k,
    heartbeat: true,
  });
  let watching = false;
  let first;
  let last;
  sys.watchFrames((at) => {
    if (!watching) return;
    first ??= at;
    last = at;
  });
  const before = sys.traffic();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  watching = true;
  await sleep(idleMs);
  // Then until no frame has been seen for 200 ms.
  for (;;) {
    const now = performance.now();
    if (last === undefined || now - last >= 200) break;
    await sleep(Math.max(1, 200 - (now - last)));
  }
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  const traffic = diff(sys.traffic(), before);
  verifyPresence(fx, hub, spokes, 0);
  await sys.close();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    ms: cpuMs,
    rate: { value: traffic.frames / ((t1 - t0) / 1000), unit: "frames/s" },
    traffic,
    secondary: {
      windowMs: t1 - t0,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      firstFrameMs: first === undefined ? null : first - t0,
      lastFrameMs: last === undefined ? null : last - t0,
      presenceApi,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// W5: reconnect after changes
// ---------------------------------------------------------------------------------------------

export async function w5({ makeSystem, fx, snapshots, n, hooks = NOOP_HOOKS }) {
  const docs = [];
  for (let i = 0; i < n; i++) docs.push([fx.smallDocId(i), snapshots[i]]);
  const { sys, a, b } = await initialSync({ makeSystem, fx, docs });
  await waitQuiet(() => sys.traffic().frames);
  sys.cut("A", "B");
  const changed = fx.w5ChangedIndexes(n).map((i) => fx.smallDocId(i));
  changed.forEach((id, k) => {
    fx.applyW5Change(a.getDoc(id), k);
  });
  await waitQuiet(() => sys.traffic().frames);
  const unique = [...new Set(changed)];
  const done = progressive(
    unique.map((id) => ({ get: () => b.getDoc(id), version: a.getDoc(id).oplogVersion() })),
  );
  const before = sys.traffic();
  await hooks.start();
  const t0 = performance.now();
  sys.open("A", "B");
  const t1 = await waitDone(done, "B holds the changed documents");
  await hooks.stop();
  const atDone = diff(sys.traffic(), before);
  const tq = await waitQuiet(() => sys.traffic().frames);
  const traffic = diff(sys.traffic(), before);
  const ids = docs.map(([id]) => id);
  for (const id of ids) {
    if (!sameVersion(b.getDoc(id), a.getDoc(id).oplogVersion())) {
      throw new VerifyError(`${id}: B's version differs from A's`);
    }
  }
  verifyCopies(
    fx,
    ids.map((id) => ({ id, source: a.getDoc(id), copy: b.getDoc(id) })),
    "B's copies",
  );
  await sys.close();
  return {
    ms: t1 - t0,
    rate: { value: unique.length / ((t1 - t0) / 1000), unit: "docs/s" },
    traffic,
    secondary: {
      msToQuiet: tq.lastChangeAt - t0,
      msQuietEstablished: tq.at - t0,
      trafficAtDone: atDone,
      changedDocs: unique.length,
    },
  };
}
