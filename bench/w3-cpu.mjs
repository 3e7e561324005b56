// W3 A/B on a shared machine: wall time is at the mercy of other processes, so this runs W3
// (bench/lib/workloads.mjs, the same run as `bench/run.mjs`) in one process several times and
// also reports the main thread's own CPU time over each timed section, read from
// /proc/self/task/<pid>/schedstat (Linux only). The first run is a warm-up and is left out.
// Interleave builds to compare them:
//
//   npx tsc -p tsconfig.build.json --outDir bench/results/dist-a    (one per variant)
//   for i in 1 2 3; do for d in dist-a dist-b; do
//     node --expose-gc bench/w3-cpu.mjs --dist bench/results/$d --k 10 --p 200 --runs 5
//   done; done
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createLoroRxSystem, loadLoroRx } from "./lib/engine-loro-rx.mjs";
import { loadSmall, sharedFixtures } from "./lib/fixtures.mjs";
import { forceGc } from "./lib/util.mjs";
import { w3 } from "./lib/workloads.mjs";

const { values: opts } = parseArgs({
  options: {
    dist: { type: "string", default: "dist" },
    k: { type: "string", default: "10" },
    p: { type: "string", default: "200" },
    runs: { type: "string", default: "5" },
  },
});
const onCpuMs = () =>
  Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;

const fx = await sharedFixtures();
const snapshot0 = loadSmall(1)[0];
const mods = await loadLoroRx(resolve(opts.dist));
const makeSystem = async (o) => createLoroRxSystem(mods, { transport: "wire", ...o });
const walls = [];
const cpus = [];
for (let i = 0; i < Number(opts.runs); i++) {
  await forceGc();
  let from = 0;
  let cpu = 0;
  const hooks = {
    start: async () => {
      from = onCpuMs();
    },
    stop: async () => {
      cpu = onCpuMs() - from;
    },
  };
  const r = await w3({ fx, makeSystem, snapshot0, k: Number(opts.k), p: Number(opts.p), hooks });
  if (i === 0) continue;
  walls.push(r.ms);
  cpus.push(cpu);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const show = (xs) => xs.map((x) => x.toFixed(0)).join(" ");
console.log(
  `${opts.dist} W3 K=${opts.k} P=${opts.p}: wall ${show(walls)} (median ${median(walls).toFixed(0)})` +
    ` | main-thread CPU ${show(cpus)} (median ${median(cpus).toFixed(0)}) ms`,
);
