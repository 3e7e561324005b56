import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { mulberry32 } from "../../../streams/testing/prng.js";

/**
 * WORKLOADS.md §2.1 transcribed step by step in BigInt arithmetic, deliberately unlike the
 * Math.imul implementation, so a shared mistake is unlikely.
 */
function specDraws(seed: number, n: number): number[] {
  const M = 2n ** 32n;
  const u32 = (x: bigint) => ((x % M) + M) % M;
  const imul = (a: bigint, b: bigint) => u32(a * b);
  let s = u32(BigInt(seed));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = u32(s + 0x6d2b79f5n);
    let t = s;
    t = imul(t ^ (t >> 15n), t | 1n);
    t = t ^ u32(t + imul(t ^ (t >> 7n), t | 61n));
    out.push(Number(t ^ (t >> 14n)) / 2 ** 32);
  }
  return out;
}

const SEEDS = [0, 1, 2, 42, 1000, 0x7fffffff, 0xffffffff];

describe("mulberry32", () => {
  it.each(SEEDS)("matches the WORKLOADS §2.1 definition for seed %d", (seed) => {
    const rng = mulberry32(seed);
    const draws = Array.from({ length: 1000 }, rng);
    expect(draws).toEqual(specDraws(seed, 1000));
    for (const d of draws) expect(d >= 0 && d < 1).toBe(true);
  });

  it("treats the seed as an unsigned 32-bit integer", () => {
    expect(Array.from({ length: 5 }, mulberry32(-1))).toEqual(
      Array.from({ length: 5 }, mulberry32(0xffffffff)),
    );
  });

  // The shared fixtures module is the benchmarks' reference; it sits beside this repository
  // (../shared, as in CI), or where LORO_RX_FIXTURES points.
  const fixtures = [
    process.env.LORO_RX_FIXTURES,
    resolve(__dirname, "../../../bench/fixtures.mjs"),
    resolve(__dirname, "../../../../shared/bench/fixtures.mjs"),
  ].find((p): p is string => p !== undefined && existsSync(p));

  it("agrees with makeRng of bench fixtures.mjs", () => {
    expect(fixtures).toBeDefined();
    // A child process, because jest's CommonJS runtime cannot import an ES module.
    const script = `
      const { makeRng } = await import(${JSON.stringify(pathToFileURL(fixtures ?? "").href)});
      const seeds = ${JSON.stringify(SEEDS)};
      console.log(JSON.stringify(seeds.map((s) => { const r = makeRng(s); return Array.from({ length: 200 }, () => r()); })));
    `;
    const reference = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    ) as number[][];
    expect(SEEDS.map((s) => Array.from({ length: 200 }, mulberry32(s)))).toEqual(reference);
  });
});
