import { existsSync } from "node:fs";
import { createConnection } from "node:net";

// The suite's real servers are up before any test runs (test/services/global-setup.mjs).
function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("redis-server, PostgreSQL and Chromium are there for the suite", async () => {
  const redis = process.env.REDIS_URL;
  const postgres = process.env.DATABASE_URL;
  const chromium = process.env.CHROMIUM_PATH;
  expect(redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  expect(postgres).toMatch(/^postgres:\/\//);
  expect(await reachable(redis ?? "")).toBe(true);
  expect(await reachable(postgres ?? "")).toBe(true);
  expect(existsSync(chromium ?? "")).toBe(true);
});
