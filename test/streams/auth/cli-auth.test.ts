/**
 * `loro-rx serve` from the built CLI: `--auth-secret` (or its environment variable) and
 * `--auth-public-key FILE` serve only token holders; a non-loopback host without auth refuses to
 * start and says why; the new flags parse.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SignJWT } from "jose";
import { WebSocket } from "ws";
import { parseCli } from "../../../streams/hub/cli-args.js";
import { runCli, spawnHub, useHubProcesses } from "../hub/hub-process.js";
import { mint, SECRET } from "./helpers.js";

const dir = useHubProcesses();

const upgradeStatus = (url: string): Promise<number> =>
  new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
    ws.on("error", () => undefined);
  });

it("npm start -- --auth-secret S serves only token holders", async () => {
  const hub = await spawnHub({ dataDir: dir(), args: ["--auth-secret", SECRET] });
  try {
    expect(await upgradeStatus(hub.url)).toBe(401);
    expect(await upgradeStatus(`${hub.url}/?token=${await mint({ read: ["*"] })}`)).toBe(101);
  } finally {
    expect((await hub.stop()).code).toBe(0);
  }
});

it("LORO_RX_AUTH_SECRET works like the flag", async () => {
  const hub = await spawnHub({ dataDir: dir(), env: { LORO_RX_AUTH_SECRET: SECRET } });
  try {
    expect(await upgradeStatus(hub.url)).toBe(401);
  } finally {
    await hub.stop();
  }
});

it.each([
  ["ES256", "ec"],
  ["RS256", "rsa"],
] as const)("--auth-public-key FILE verifies %s tokens and nothing else", async (alg, type) => {
  const { publicKey, privateKey } =
    type === "ec"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const file = join(dir(), "key.pem");
  await writeFile(file, pem);
  const hub = await spawnHub({ dataDir: join(dir(), "data"), args: ["--auth-public-key", file] });
  try {
    const signed = await new SignJWT({ read: ["*"] })
      .setProtectedHeader({ alg })
      .setSubject("alice")
      .setExpirationTime("1h")
      .sign(privateKey);
    expect(await upgradeStatus(`${hub.url}/?token=${signed}`)).toBe(101);
    // The classic confusion: HS256 "signed" with the public key as the secret.
    const confused = await mint({ read: ["*"] }, { secret: pem });
    expect(await upgradeStatus(`${hub.url}/?token=${confused}`)).toBe(401);
  } finally {
    await hub.stop();
  }
});

it("a non-loopback --host without auth refuses to start unless --allow-anonymous", async () => {
  const refused = await runCli(["serve", "--host", "0.0.0.0", "--port", "0", "--data", dir()]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without auth/);
  expect(refused.stderr).toMatch(/--allow-anonymous/);
});

it("parses the auth and limit flags", () => {
  expect(
    parseCli(
      [
        "serve",
        "--auth-public-key",
        "k.pem",
        "--allow-anonymous",
        "--offer-all-docs",
        "--max-docs-per-connection=5",
        "--rate-limit",
        "100",
      ],
      {},
    ),
  ).toMatchObject({
    kind: "serve",
    options: {
      authPublicKeyFile: "k.pem",
      allowAnonymous: true,
      offerAllDocs: true,
      maxDocsPerConnection: 5,
      rateLimit: 100,
    },
  });
  expect(parseCli(["serve", "--allow-anonymous=yes"])).toEqual({
    kind: "error",
    message: "--allow-anonymous takes no value",
  });
  expect(parseCli(["serve", "--auth-secret", "s"], { LORO_RX_AUTH_PUBLIC_KEY: "k.pem" })).toEqual({
    kind: "error",
    message: "give one of --auth-secret and --auth-public-key",
  });
});
