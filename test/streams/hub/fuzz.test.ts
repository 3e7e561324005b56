/**
 * `npm run fuzz` in short, against the built hub in its own process: seeded hostile traffic over
 * real sockets, a fresh client that must still handshake and sync between bursts, and no document
 * created by an invalid message at the end. The seed is printed; replay a run with FUZZ_SEED.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { spawnHub, useHubProcesses } from "./hub-process.js";

const hubDir = useHubProcesses();
const SCRIPT = join(process.cwd(), "scripts/fuzz.mjs");

const runFuzz = (args: readonly string[]): Promise<{ code: number; stdout: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { maxBuffer: 1 << 24 }, (error, stdout) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout }),
    );
  });

describe("npm run fuzz (short)", () => {
  it("the hub survives seeded hostile traffic, keeps serving, and keeps no junk document", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed})`);
    const hub = await spawnHub({ dataDir: hubDir() });
    const run = await runFuzz([
      "--url",
      hub.url,
      "--pid",
      String(hub.child.pid),
      "--frames",
      "2000",
      "--burst",
      "1000",
      "--seed",
      String(seed),
      "--json",
    ]);
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
    expect(summary).toMatchObject({
      seed,
      frames: 2000,
      crashes: 0,
      healthChecks: 2,
      healthFailures: 0,
      junkDocuments: 0,
    });
    // Every category was exercised.
    expect(Object.keys(summary.byCategory).sort()).toEqual([
      "fragment-abuse",
      "mutated-valid",
      "protocol-abuse",
      "random-bytes",
      "text",
      "wrong-shape-cbor",
    ]);
    expect(run.code).toBe(0);
    // Still the same process, and it stops cleanly.
    expect((await hub.stop()).code).toBe(0);
  });
});
