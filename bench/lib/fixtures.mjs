// Fixture snapshots (WORKLOADS §2), generated once with ../shared/bench/fixtures.mjs into a cache
// directory, checked against the fingerprints of §2.7, and read back by every configuration
// process. Generation cost is never part of a configuration's time or memory.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as loro from "loro-crdt";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CACHE_DIR = process.env.BENCH_CACHE_DIR ?? join(REPO_ROOT, "bench/.cache");
export const SHARED_DIR = process.env.BENCH_SHARED_DIR ?? resolve(REPO_ROOT, "../shared");

const require = createRequire(import.meta.url);
export const LORO_VERSION = require("loro-crdt/package.json").version;

let shared;
/** The reference fixture module, imported relative to the repo (CI has ../shared beside it). */
export async function sharedFixtures() {
  if (shared === undefined) {
    const path = join(SHARED_DIR, "bench/fixtures.mjs");
    if (!existsSync(path)) {
      throw new Error(`fixture module not found at ${path}; set BENCH_SHARED_DIR`);
    }
    shared = await import(pathToFileURL(path).href);
  }
  return shared;
}

/** WORKLOADS §2.7. */
export const FIXTURE_CHECKS = {
  small: {
    0: { length: 1024, ops: 1034, fingerprint: "6958916c" },
    99: { length: 1024, ops: 1034, fingerprint: "cff0cd1c" },
    999: { length: 1024, ops: 1034, fingerprint: "a5cce106" },
    2999: { length: 1024, ops: 1034, fingerprint: "1a555821" },
  },
  large: { length: 5_242_880, ops: 5_242_880, fingerprint: "5ffbe72d" },
  heavy: { length: 100_000, ops: 100_000, fingerprint: "05ed4db4" },
  // WORKLOADS v2 (W8) gives no fingerprint for L2; its length and op count are checked, and the
  // fingerprint found is recorded in the manifest.
  large20: { length: 20_971_520, ops: 20_971_520 },
};

const MANIFEST = "fixtures.manifest";
const SMALL_FILE = "small.bin";
const LARGE_FILE = "large-text.bin";
const HEAVY_FILE = "heavy-ops.bin";
const LARGE20_FILE = "large-text-20.bin";

function readManifest() {
  const path = join(CACHE_DIR, MANIFEST);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

function writeManifest(manifest) {
  writeFileSync(join(CACHE_DIR, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

function check(what, doc, expected, fx) {
  const length = doc.getText("text").length;
  const ops = doc.opCount();
  const fingerprint = fx.contentFingerprint(doc);
  const problems = [];
  if (length !== expected.length) problems.push(`text length ${length} != ${expected.length}`);
  if (ops !== expected.ops) problems.push(`op count ${ops} != ${expected.ops}`);
  if (expected.fingerprint !== undefined && fingerprint !== expected.fingerprint) {
    problems.push(`fingerprint ${fingerprint} != ${expected.fingerprint}`);
  }
  if (problems.length > 0)
    throw new Error(`fixture ${what} fails its check: ${problems.join(", ")}`);
  return { length, ops, fingerprint };
}

/** Pack format: u32 count, then per doc u32 length + snapshot bytes (little endian). */
function packSmall(snapshots) {
  let total = 4;
  for (const s of snapshots) total += 4 + s.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, snapshots.length, true);
  let at = 4;
  for (const s of snapshots) {
    view.setUint32(at, s.length, true);
    out.set(s, at + 4);
    at += 4 + s.length;
  }
  return out;
}

function unpackSmall(bytes, limit = Number.POSITIVE_INFINITY) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Math.min(view.getUint32(0, true), limit);
  const out = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at, true);
    out.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

/**
 * Makes sure the cache holds at least `small` small docs, and L / H when asked; generates what
 * is missing (progress on stderr) and checks every fixture of §2.7 it generates.
 */
export async function ensureFixtures(
  { small = 0, large = false, heavy = false, large20 = false },
  log,
) {
  const fx = await sharedFixtures();
  mkdirSync(CACHE_DIR, { recursive: true });
  let manifest = readManifest();
  if (
    manifest === undefined ||
    manifest.fixtureVersion !== fx.FIXTURE_VERSION ||
    manifest.loroVersion !== LORO_VERSION
  ) {
    manifest = { fixtureVersion: fx.FIXTURE_VERSION, loroVersion: LORO_VERSION, checks: {} };
  }
  const smallPath = join(CACHE_DIR, SMALL_FILE);
  const have = manifest.smallCount ?? 0;
  if (small > have || !existsSync(smallPath)) {
    const existing = have > 0 && existsSync(smallPath) ? unpackSmall(readFileSync(smallPath)) : [];
    const snapshots = existing.slice(0, have);
    log?.(`fixtures: generating small docs S(${snapshots.length})..S(${small - 1})`);
    for (let i = snapshots.length; i < small; i++) {
      const doc = fx.makeSmallDoc(loro, i);
      const expected = FIXTURE_CHECKS.small[i];
      if (expected) manifest.checks[fx.smallDocId(i)] = check(fx.smallDocId(i), doc, expected, fx);
      snapshots.push(doc.export({ mode: "snapshot" }));
      doc.free();
    }
    writeFileSync(smallPath, packSmall(snapshots));
    manifest.smallCount = snapshots.length;
    manifest.smallBytes = { "doc-0000": snapshots[0]?.length };
    writeManifest(manifest);
  }
  for (const [want, key, file, make, docId] of [
    [large, "large", LARGE_FILE, fx.makeLargeDoc, fx.LARGE_DOC.docId],
    [heavy, "heavy", HEAVY_FILE, fx.makeHeavyDoc, fx.HEAVY_DOC.docId],
    [large20, "large20", LARGE20_FILE, fx.makeLargeDoc20, fx.LARGE_DOC_20?.docId],
  ]) {
    if (!want || (manifest[key] && existsSync(join(CACHE_DIR, file)))) continue;
    log?.(`fixtures: generating ${docId}`);
    const doc = make(loro);
    manifest.checks[docId] = check(docId, doc, FIXTURE_CHECKS[key], fx);
    const snapshot = doc.export({ mode: "snapshot" });
    doc.free();
    writeFileSync(join(CACHE_DIR, file), snapshot);
    manifest[key] = { bytes: snapshot.length };
    writeManifest(manifest);
  }
  return manifest;
}

/** The first `n` small snapshots (views into one buffer). */
export function loadSmall(n) {
  const manifest = readManifest();
  if (!manifest || (manifest.smallCount ?? 0) < n) {
    throw new Error(`fixture cache holds fewer than ${n} small docs; run bench/run.mjs`);
  }
  return unpackSmall(readFileSync(join(CACHE_DIR, SMALL_FILE)), n);
}

export function loadLarge() {
  return new Uint8Array(readFileSync(join(CACHE_DIR, LARGE_FILE)));
}

export function loadLarge20() {
  return new Uint8Array(readFileSync(join(CACHE_DIR, LARGE20_FILE)));
}

export function loadHeavy() {
  return new Uint8Array(readFileSync(join(CACHE_DIR, HEAVY_FILE)));
}

export function fixtureManifest() {
  return readManifest();
}
