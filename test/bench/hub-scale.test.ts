/**
 * The hub-at-scale harness (bench/hub-scale.mjs, W7–W10 of WORKLOADS §6) at tiny sizes: a real
 * hub process from the built CLI, lean clients in forked generator processes, real sockets on
 * 127.0.0.1. These check that each workload does the work it claims and reports figures that
 * add up (counts match, every observer got every edit); no figure is held to a time limit.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BUILD_TIMEOUT_MS, ensureBuilt, tempDir } from "../streams/hub/hub-process.js";

const ROOT = process.cwd();
const HUB_SCALE = join(ROOT, "bench/hub-scale.mjs");
const RUN_LIMIT_MS = 180_000;

interface Target {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: number;
}
interface HubScaleResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly figures: Record<string, number>;
  readonly checks: Record<string, number | boolean | string>;
  readonly targets: readonly Target[];
  readonly meta: {
    readonly hub: string;
    readonly loadavg: unknown;
    readonly pids: { readonly hub: readonly number[]; readonly generators: readonly number[] };
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const run = async (args: readonly string[]): Promise<HubScaleResult> => {
  const { dir, cleanup } = await tempDir();
  try {
    const out = join(dir, "result.json");
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [HUB_SCALE, ...args, "--gens", "2", "--out", out],
        { cwd: ROOT, timeout: RUN_LIMIT_MS },
        () => resolve(),
      );
    });
    return JSON.parse(await readFile(out, "utf8")) as HubScaleResult;
  } finally {
    await cleanup();
  }
};

const expectOk = (r: HubScaleResult): void => {
  expect(r.error).toBeUndefined();
  expect(r.ok).toBe(true);
  expect(r.meta.hub).toMatch(/dist\/streams\/hub\/cli\.js serve --port 0 --data /);
  for (const t of r.targets) expect(Number.isFinite(t.value)).toBe(true);
  // The harness started a hub and generators, and none of them outlived the run.
  expect(r.meta.pids.hub.length).toBeGreaterThanOrEqual(1);
  expect(r.meta.pids.generators.length).toBeGreaterThanOrEqual(1);
  expect([...r.meta.pids.hub, ...r.meta.pids.generators].filter(alive)).toEqual([]);
};

beforeAll(ensureBuilt, BUILD_TIMEOUT_MS);

test(
  "a run that fails after setup reports the error and still ends the hub and every generator",
  async () => {
    const r = await run(["--workload", "W7", "--c", "4", "--idle-s", "1", "--fail-after-setup"]);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/failing on purpose/);
    expect(r.meta.pids.hub.length).toBe(1);
    expect(r.meta.pids.generators.length).toBe(2);
    expect([...r.meta.pids.hub, ...r.meta.pids.generators].filter(alive)).toEqual([]);
  },
  RUN_LIMIT_MS,
);

test(
  "W7: every client connects and pushes its document, the hub holds them all, idle figures per connection",
  async () => {
    const C = 12;
    const r = await run(["--workload", "W7", "--c", String(C), "--idle-s", "1"]);
    expectOk(r);
    expect(r.checks).toMatchObject({
      connected: C,
      hubPeers: C,
      hubDocuments: C,
      hubPeersAfterIdle: C,
      durableChecked: C,
    });
    expect(r.figures.connectPerWallS).toBeGreaterThan(0);
    expect(r.figures.idleCpuUsPerConnS).toBeGreaterThanOrEqual(0);
    expect(r.figures.framesPerConnMin).toBeGreaterThanOrEqual(0);
    // Each client received at least the establish-response and the answers for its document.
    expect(r.figures.connectFramesFromHubPerConn).toBeGreaterThanOrEqual(1);
    expect(r.targets.map((t) => t.figure)).toEqual(
      expect.arrayContaining(["idle CPU per connection", "memory per idle room"]),
    );
  },
  RUN_LIMIT_MS,
);

test(
  "W8: every client of the storm receives the whole stored document, checked by version and fingerprint",
  async () => {
    const J = 3;
    const r = await run(["--workload", "W8", "--j", String(J), "--doc", "large"]);
    expectOk(r);
    expect(r.checks).toMatchObject({
      clientsDone: J,
      checkVersionMatches: true,
      checkTextLength: 5_242_880,
      checkFingerprint: "5ffbe72d", // WORKLOADS §2.7, L
    });
    // Every client received at least the snapshot's bytes.
    expect(r.figures.bytesPerClientMin).toBeGreaterThanOrEqual(r.figures.snapshotBytes!);
    expect(r.figures.p50Ms).toBeLessThanOrEqual(r.figures.p99Ms!);
    expect(r.figures.p99Ms).toBeLessThanOrEqual(r.figures.maxMs!);
  },
  RUN_LIMIT_MS,
);

test(
  "W9: every measuring client sees every other client's last presence value",
  async () => {
    const P = 6;
    const r = await run(["--workload", "W9", "--p", String(P), "--duration-s", "2"]);
    expectOk(r);
    expect(r.checks).toMatchObject({
      clients: P,
      measuringClients: P,
      lastValuesMissing: 0,
      everyClientSent: true,
    });
    // At least one value of each of the P − 1 others reached each of the P measuring clients.
    expect(r.figures.deliveriesMeasured).toBeGreaterThanOrEqual(P * (P - 1));
    expect(r.figures.hubCpuPctOfCore).toBeGreaterThan(0);
  },
  RUN_LIMIT_MS,
);

test(
  "W10: every observer receives every edit, once counted per observer and edit; an engine observer ends with the writer's content",
  async () => {
    const O = 4;
    const rate = 50;
    const seconds = 1;
    const r = await run([
      "--workload",
      "W10",
      "--o",
      String(O),
      "--rate",
      String(rate),
      "--duration-s",
      String(seconds),
      "--engine-observers",
      "1",
    ]);
    expectOk(r);
    const edits = rate * seconds;
    expect(r.checks).toMatchObject({
      observers: O,
      edits,
      observersWithEveryEdit: O,
      deliveries: O * edits,
      hubDurableAtWriterVersion: true,
      // The real engine client beside the lean ones got every edit and the writer's content.
      engineObservers: 1,
      engineObserversWithEveryEdit: 1,
      engineObserversWithWritersContent: 1,
    });
    expect(r.figures.p50Ms).toBeLessThanOrEqual(r.figures.p99Ms!);
    expect(r.figures.p50Ms).toBeGreaterThan(0);
  },
  RUN_LIMIT_MS,
);
