/**
 * `npm run soak` in short (the script has the whole procedure; see scripts/soak.mjs): 20 clients
 * edit through the built hub for ~20 s, dropping their sockets at random; halfway the hub is
 * SIGKILLed and restarted on the same port and data directory. Every client converges on every
 * edit of its document, the restarted hub acknowledges every edit, and a fresh reader finds them
 * all. Replay with LORO_RX_HUB_SEED=<seed>; the full run is
 * `npm run soak -- --clients 200 --minutes 30`.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { useHubProcesses } from "./hub-process.js";

const SEED = Number(process.env.LORO_RX_HUB_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SCRIPT = join(process.cwd(), "scripts/soak.mjs");

// Builds dist when stale (the script runs the built hub); the data directory is the script's own.
useHubProcesses();

describe("soak", () => {
  it(`20 clients, reconnect churn, one hub crash, ~20 s (seed ${SEED})`, async () => {
    console.log(`hub soak seed ${SEED} (LORO_RX_HUB_SEED=${SEED} replays the delays)`);
    const args = ["--clients", "20", "--minutes", "0.33", "--edit-ms", "150", "--churn", "0.03"];
    const run = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          SCRIPT,
          ...args,
          "--kill-halfway",
          "--sample-ms",
          "1000",
          "--seed",
          String(SEED),
          "--json",
        ],
        (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout }),
      ),
    );
    const lines = run.stdout.trim().split("\n");
    console.log(lines.at(-2));
    const summary = JSON.parse(lines.at(-1) ?? "{}");
    expect(summary).toMatchObject({
      seed: SEED,
      hubKills: 1,
      notConverged: 0,
      unacknowledged: 0,
      readerMissing: 0,
      hubExitCode: 0,
    });
    expect(summary.edits).toBeGreaterThan(500);
    expect(summary.forcedReconnects).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  }, 180_000);
});
