/**
 * Nothing acknowledged is lost when the hub dies: `npm run crash-test` in short (the script has
 * the whole procedure; see scripts/crash-test.mjs). Writers edit and collect acknowledgements, the
 * hub is SIGKILLed at seeded moments (some during start-up), the writers are thrown away with
 * whatever was not acknowledged, and the restarted hub must serve every acknowledged edit.
 *
 * Replay with LORO_RX_HUB_SEED=<seed>; LORO_RX_HUB_KILLS sets the number of kills (default 4; the
 * full run is `npm run crash-test -- --kills 100`).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { useHubProcesses } from "./hub-process.js";

const SEED = Number(process.env.LORO_RX_HUB_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.LORO_RX_HUB_KILLS ?? 4);
const SCRIPT = join(process.cwd(), "scripts/crash-test.mjs");

// Builds dist when stale (the script runs the built hub); the data directory is the script's own.
useHubProcesses();

describe("crash safety", () => {
  it(`every acknowledged edit survives ${KILLS} SIGKILLs of the hub (seed ${SEED})`, async () => {
    console.log(`hub crash-safety seed ${SEED} (LORO_RX_HUB_SEED=${SEED} replays the moments)`);
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [SCRIPT, "--kills", String(KILLS), "--seed", String(SEED), "--json"],
        (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
      ),
    );
    const summary = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
    console.log(run.stdout.trim().split("\n").at(-2));
    expect(summary).toMatchObject({ seed: SEED, kills: KILLS, acknowledgedLost: 0, lost: [] });
    expect(summary.editsAcknowledged).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  }, 300_000);
});
