// Loaded into a hub process with `node --import` by the soak run: answers "sample" over IPC with
// the process's own figures. The whole process is the code under test, so process-wide counts of
// active handles and timers are the right measure here (unlike in jest, which shares its process).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// Loro's wasm linear memory: it grows to the peak the docs needed and is never returned to the
// OS, so it is the first suspect when anonymous RSS outlives the documents. The CommonJS cache
// makes this the same instance the hub imports.
let wasmMemory;
try {
  const require = createRequire(import.meta.url);
  wasmMemory = require(join(dirname(require.resolve("loro-crdt")), "loro_wasm.js")).__wasm?.memory;
} catch {}

process.on("message", (message) => {
  if (message !== "sample") return;
  // Started with --expose-gc (spawnHub's probe): measure what is retained, not garbage.
  globalThis.gc?.();
  const resources = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const memory = process.memoryUsage();
  // Linux splits RSS: anonymous (heap, wasm, malloc) vs file-backed (LevelDB's mmapped tables:
  // page cache, reclaimable). Absent elsewhere.
  let anonMb;
  let fileMb;
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    anonMb = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1]) / 1024;
    fileMb = Number(/RssFile:\s+(\d+)/.exec(status)?.[1]) / 1024;
  } catch {}
  process.send({
    resources,
    rssMb: memory.rss / 2 ** 20,
    anonMb,
    fileMb,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    heapTotalMb: memory.heapTotal / 2 ** 20,
    arrayBuffersMb: memory.arrayBuffers / 2 ** 20,
    externalMb: memory.external / 2 ** 20,
    wasmMb: wasmMemory === undefined ? undefined : wasmMemory.buffer.byteLength / 2 ** 20,
  });
});
