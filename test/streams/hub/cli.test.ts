/**
 * The `loro-rx` command line as a user meets it: usage, mistakes (exit 2), and a second hub on a
 * data directory that is in use (exit 1 at once, saying so).
 */
import { runCli, spawnHub, useHubProcesses } from "./hub-process.js";

const hubDir = useHubProcesses();

describe("loro-rx CLI", () => {
  it.each([
    ["--help", ["--help"]],
    ["-h", ["-h"]],
    ["serve --help", ["serve", "--help"]],
    ["no command", []],
  ])("%s prints usage and exits 0", async (_name: string, args: string[]) => {
    const run = await runCli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: loro-rx serve [options]");
    expect(run.stdout).toContain("--data DIR");
    expect(run.stderr).toBe("");
  });

  it.each([
    [["serve", "--bogus"], "unknown option --bogus"],
    [["serve", "--port", "http"], '--port must be a whole number from 0 to 65535, got "http"'],
    [["serve", "--port=70000"], "--port must be a whole number"],
    [["serve", "--data"], "--data needs a value"],
    [["launch"], 'unknown command "launch"'],
  ])("%j exits 2 with a clear error", async (args, message) => {
    const run = await runCli(args, { LORO_RX_DATA: hubDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("--help");
  });

  it("a bad environment variable is named in the error", async () => {
    const run = await runCli(["serve"], { LORO_RX_DATA: hubDir(), LORO_RX_HEARTBEAT_MS: "soon" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("environment variable LORO_RX_HEARTBEAT_MS");
  });

  it("takes host, port and data directory from the environment", async () => {
    const hub = await spawnHub({
      dataDir: hubDir(),
      bare: true,
      env: { LORO_RX_HOST: "127.0.0.1", PORT: "0", LORO_RX_DATA: hubDir() },
    });
    expect(hub.host).toBe("127.0.0.1");
    expect(hub.port).toBeGreaterThan(0);
    expect(hub.dataDir).toBe(hubDir());
    expect((await hub.stop("SIGINT")).code).toBe(0);
  });

  it("a second hub on the same data directory exits 1 at once, naming the directory", async () => {
    const first = await spawnHub({ dataDir: hubDir() });
    const second = await runCli(["serve", "--port", "0", "--data", hubDir()]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another hub is using ${hubDir()}`);
    expect(second.stdout).not.toContain("listening");
    // The first one never noticed.
    const health = await fetch(`${first.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect((await first.stop("SIGTERM")).code).toBe(0);
  });

  it("a taken port exits 1 with a clear error", async () => {
    const first = await spawnHub({ dataDir: `${hubDir()}/a` });
    const second = await runCli(["serve", "--port", String(first.port), "--data", `${hubDir()}/b`]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${first.port}: the port is in use`);
    await first.stop();
  });
});
