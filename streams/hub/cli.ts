#!/usr/bin/env node
/**
 * `loro-rx serve`: the sync hub from the command line (`npm start`). The one line on stdout says
 * where it listens (scripts and tests read the port from it); everything else goes to stderr.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AuthConfigError } from "../auth/verify-token.js";
import { PostgresOpenError } from "../storage/postgres-storage.js";
import { HELP, parseCli, type ServeOptions } from "./cli-args.js";
import {
  type Hub,
  HubConfigError,
  HubDataLockedError,
  HubInsecureError,
  HubListenError,
  type HubOptions,
  startHub,
} from "./hub.js";

/** The demo `npm run build` puts next to the built CLI (dist/streams/hub → dist/demo). */
const DEMO_DIR = fileURLToPath(new URL("../../demo/", import.meta.url));

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const err = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const waitForSignal = (): Promise<NodeJS.Signals> =>
  new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
    let first: NodeJS.Signals | undefined;
    const on = (signal: NodeJS.Signals): void => {
      if (first === undefined) {
        first = signal;
        resolve(signal);
        return;
      }
      // A second signal while stopping: the user does not want to wait for the flush.
      err(`loro-rx: ${signal} again, exiting without waiting for storage`);
      process.exit(1);
    };
    for (const signal of signals) process.on(signal, on);
  });

/** The hub's options from the command line's; reads the public key file. */
const hubOptions = (o: ServeOptions & { readonly staticDir: string }): HubOptions => {
  const { authSecret, authPublicKeyFile, maxDocsPerConnection, rateLimit, rateWindowMs } = o;
  const auth =
    authSecret !== ""
      ? { secret: authSecret }
      : authPublicKeyFile !== ""
        ? { publicKey: readFileSync(authPublicKeyFile, "utf8") }
        : undefined;
  return {
    host: o.host,
    port: o.port,
    dataDir: o.dataDir,
    heartbeatMs: o.heartbeatMs,
    statusIntervalMs: o.statusIntervalMs,
    flushDelayMs: o.flushDelayMs,
    flushWindowMs: o.flushWindowMs,
    docIdleMs: o.docIdleMs,
    postgres: o.postgres,
    redis: o.redis,
    trimGraceMs: o.trimGraceMs,
    staticDir: o.staticDir,
    allowAnonymous: o.allowAnonymous,
    offerAllDocs: o.offerAllDocs,
    limits: {
      maxDocsPerConnection,
      maxPendingUpgrades: o.maxPendingUpgrades,
      maxPreHandshakeBytes: o.maxPreHandshakeBytes,
      rateLimit,
      rateWindowMs,
    },
    ...(auth === undefined ? {} : { auth }),
  };
};

const serve = async (cli: ServeOptions & { readonly staticDir: string }): Promise<number> => {
  // Listening for signals before anything else: whoever reads the "listening" line may signal at
  // once, and a signal during start-up must still end in a graceful stop.
  const signalled = waitForSignal();
  let hub: Hub;
  try {
    hub = await startHub(hubOptions(cli));
  } catch (e) {
    const known =
      e instanceof HubDataLockedError ||
      e instanceof HubListenError ||
      e instanceof HubConfigError ||
      e instanceof PostgresOpenError ||
      e instanceof HubInsecureError ||
      e instanceof AuthConfigError ||
      (e instanceof Error && (e as NodeJS.ErrnoException).code === "ENOENT");
    err(`loro-rx: ${known ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
  out(`loro-rx hub listening on ${hub.url}, data in ${hub.dataDir}`);
  // On stderr: stdout keeps its one line for scripts.
  if (existsSync(join(DEMO_DIR, "index.html"))) err(`loro-rx: demo at ${hub.httpUrl}/`);
  const signal = await signalled;
  err(`loro-rx: ${signal}: stopping (flushing storage)`);
  try {
    await hub.stop();
  } catch (e) {
    err(`loro-rx: stop failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
  err(`loro-rx: stopped; data in ${hub.dataDir} is flushed`);
  return 0;
};

const main = async (): Promise<number> => {
  const parsed = parseCli(process.argv.slice(2), process.env);
  switch (parsed.kind) {
    case "help":
      process.stdout.write(HELP);
      return 0;
    case "error":
      err(`loro-rx: ${parsed.message}`);
      err('Run "loro-rx --help" for usage.');
      return 2;
    case "serve":
      return serve({ ...parsed.options, staticDir: DEMO_DIR });
  }
};

// Exit explicitly: a stopped hub may still hold a socket's shutdown grace timer for a moment.
main().then((code) => process.exit(code));
