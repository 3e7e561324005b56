// Small helpers shared by the driver and the worker: event-loop turns, GC, waits, statistics.
import { performance } from "node:perf_hooks";

/** One event-loop turn (WORKLOADS §1.5: the driver yields with setImmediate). */
export const turn = () => new Promise((resolve) => setImmediate(resolve));

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** WORKLOADS §1.6 "forces GC": gc() twice, one event-loop turn after each. */
export async function forceGc() {
  if (typeof globalThis.gc !== "function") {
    throw new Error("run with node --expose-gc");
  }
  globalThis.gc();
  await turn();
  globalThis.gc();
  await turn();
}

export class BenchTimeout extends Error {
  constructor(what, ms) {
    super(`timeout: ${what} not reached within ${ms} ms`);
    this.name = "BenchTimeout";
  }
}

export const DONE_TIMEOUT_MS = 120_000;

/**
 * Yields once, evaluates `done`, repeats until it holds (WORKLOADS §1.5). Returns
 * `performance.now()` at the first evaluation that found it true.
 */
export async function waitDone(done, what = "done", limitMs = DONE_TIMEOUT_MS) {
  const start = performance.now();
  for (;;) {
    await turn();
    if (done()) return performance.now();
    if (performance.now() - start > limitMs) throw new BenchTimeout(what, limitMs);
  }
}

/**
 * Traffic is quiet when no new frame was seen for 5 event-loop turns and at least 20 ms
 * (WORKLOADS §1.5). `frames()` returns the running frame count. Resolves to when quiet was
 * established and when the frame count last changed (the last frame, to one turn).
 */
export async function waitQuiet(frames, { turns = 5, ms = 20, limitMs = DONE_TIMEOUT_MS } = {}) {
  const start = performance.now();
  let last = frames();
  let since = performance.now();
  let still = 0;
  for (;;) {
    await turn();
    const now = performance.now();
    const current = frames();
    if (current !== last) {
      last = current;
      since = now;
      still = 0;
    } else {
      still++;
      if (still >= turns && now - since >= ms) return { at: now, lastChangeAt: since };
    }
    if (now - start > limitMs) throw new BenchTimeout("quiet traffic", limitMs);
  }
}

export function median(values) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(s.length, rank) - 1];
}

export function mean(values) {
  if (values.length === 0) return undefined;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function latencySummary(values) {
  return {
    mean: mean(values),
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: Math.max(...values),
  };
}

export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** Peak RSS of this process in MB (`maxRSS` is in kilobytes). */
export const peakRssMb = () => process.resourceUsage().maxRSS / 1024;
export const rssMb = () => process.memoryUsage().rss / (1024 * 1024);

/** Busy-waits until Date.now() >= target, without yielding; returns the ms spent. */
export function busyWaitUntil(targetDateMs) {
  const t0 = performance.now();
  while (Date.now() < targetDateMs) {
    // spin: WORKLOADS §3 W3 wants no queued work to run meanwhile
  }
  return performance.now() - t0;
}

export function sameVersion(doc, version) {
  return doc !== undefined && doc.oplogVersion().compare(version) === 0;
}
