// Summary of a V8 CPU profile (.cpuprofile): self time per function and per area, as shares of
// the sampled time of the timed section.

const AREAS = [
  ["loro wasm", (url) => url.startsWith("wasm://") || url.includes("loro_wasm_bg")],
  ["loro-crdt js", (url) => url.includes("/loro-crdt/")],
  ["rxjs", (url) => url.includes("/rxjs/")],
  ["loro-extended", (url) => url.includes("/@loro-extended/")],
  ["io-ts/fp-ts", (url) => url.includes("/io-ts/") || url.includes("/fp-ts/")],
  ["cbor", (url) => url.includes("/cborg/")],
  ["mutative", (url) => url.includes("/mutative/")],
  ["loro-rx src", (url) => /\/src\/(program|protocol)\//.test(url)],
  ["loro-rx streams", (url) => url.includes("/streams/")],
  ["bench", (url) => url.includes("/bench/")],
  ["node", (url) => url.startsWith("node:") || url === ""],
];

const areaOf = (url, name) => {
  if (name === "(garbage collector)") return "gc";
  if (name === "(program)" || name === "(idle)") return name;
  for (const [area, test] of AREAS) if (test(url)) return area;
  return "other";
};

const shortUrl = (url) => {
  const m = /(node_modules\/.*|dist\/.*|bench\/.*|wasm:\/\/.*)$/.exec(url);
  return m ? m[1] : url;
};

const isLoro = (url) => url.startsWith("wasm://") || url.includes("/loro-crdt/");

export function summarizeProfile(profile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Loro's time (wasm and its JS glue) attributed to the outermost loro-crdt method on the
  // stack and to the function that called it.
  const loroCall = (id) => {
    let top;
    let named;
    let at = id;
    while (at !== undefined && isLoro(byId.get(at).callFrame.url)) {
      top = at;
      const name = byId.get(at).callFrame.functionName;
      // loro-crdt's `wrapped` decorator and wasm glue are not the method the caller used.
      if (name && name !== "wrapped" && !name.startsWith("__") && !name.startsWith("wasm-")) {
        named = at;
      }
      at = parent.get(at);
    }
    if (top === undefined) return undefined;
    const method = byId.get(named ?? top).callFrame.functionName || "(anonymous)";
    const caller = at === undefined ? undefined : byId.get(at).callFrame;
    const by = caller
      ? `${caller.functionName || "(anonymous)"} ${shortUrl(caller.url)}:${caller.lineNumber + 1}`
      : "?";
    return `${method} <- ${by}`;
  };
  const self = new Map();
  const { samples, timeDeltas } = profile;
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
    total += dt;
  }
  const fns = new Map();
  const areas = new Map();
  const loroCalls = new Map();
  for (const [id, us] of self) {
    const call = loroCall(id);
    if (call !== undefined) loroCalls.set(call, (loroCalls.get(call) ?? 0) + us);
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || "(anonymous)";
    const where = `${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    const key = `${name} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const area = areaOf(callFrame.url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([what, us]) => ({ what, ms: us / 1000, share: total > 0 ? us / total : 0 }));
  return {
    totalMs: total / 1000,
    functions: rank(fns).slice(0, top),
    areas: rank(areas),
    loroCalls: rank(loroCalls).slice(0, 10),
  };
}

export function formatProfile(summary) {
  const pct = (x) => `${(x * 100).toFixed(1)}%`.padStart(6);
  const lines = [`sampled ${summary.totalMs.toFixed(0)} ms`, "areas:"];
  for (const a of summary.areas) lines.push(`  ${pct(a.share)}  ${a.what}`);
  lines.push("hot functions (self time):");
  for (const f of summary.functions) lines.push(`  ${pct(f.share)}  ${f.what}`);
  lines.push("loro time by call (outermost loro-crdt method <- its caller):");
  for (const f of summary.loroCalls ?? []) lines.push(`  ${pct(f.share)}  ${f.what}`);
  return lines.join("\n");
}
