/**
 * The command line of `loro-rx`, parsed without side effects: flags win over environment
 * variables, which win over defaults. Anything unexpected is an error value (exit code 2), never
 * a silently ignored option.
 */
import {
  DEFAULT_DATA_DIR,
  DEFAULT_FLUSH_DELAY_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_HUB_HOST,
  DEFAULT_HUB_PORT,
  DEFAULT_STATUS_INTERVAL_MS,
  DEFAULT_TRIM_GRACE_MS,
} from "./defaults.js";

export const REDIS_NEEDS_POSTGRES =
  "--redis needs --postgres: hubs in a cluster load each other's documents from one PostgreSQL " +
  "(with a LevelDB per hub, an edit acknowledged by a hub that then died would be on its disk only)";

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly heartbeatMs: number;
  readonly statusIntervalMs: number;
  readonly flushDelayMs: number;
  // Cluster: a PostgreSQL store instead of LevelDB, and the Redis bus between hubs.
  readonly postgres: string | undefined;
  readonly redis: string | undefined;
  /** Undefined: the hub's default. */
  readonly trimGraceMs: number | undefined;
}

export type ParsedCli =
  | { readonly kind: "help" }
  | { readonly kind: "serve"; readonly options: ServeOptions }
  | { readonly kind: "error"; readonly message: string };

type Env = Readonly<Record<string, string | undefined>>;

type StringKey = "host" | "dataDir" | "postgres" | "redis";
type NumberKey = Exclude<keyof ServeOptions, StringKey>;
type Flag =
  | { readonly key: StringKey; readonly env: readonly string[] }
  /** A whole number from 0 to `max`. */
  | { readonly key: NumberKey; readonly env: readonly string[]; readonly max: number };

// setTimeout's limit: a larger period would fire at once.
const MAX_MS = 2 ** 31 - 1;

const FLAGS: Readonly<Record<string, Flag>> = {
  "--host": { key: "host", env: ["LORO_RX_HOST"] },
  "--port": { key: "port", env: ["LORO_RX_PORT", "PORT"], max: 65_535 },
  "--data": { key: "dataDir", env: ["LORO_RX_DATA"] },
  "--heartbeat-ms": { key: "heartbeatMs", env: ["LORO_RX_HEARTBEAT_MS"], max: MAX_MS },
  "--status-ms": { key: "statusIntervalMs", env: ["LORO_RX_STATUS_MS"], max: MAX_MS },
  "--flush-ms": { key: "flushDelayMs", env: ["LORO_RX_FLUSH_MS"], max: MAX_MS },
  // Cluster (streams/cluster/).
  "--postgres": { key: "postgres", env: ["LORO_RX_DATABASE_URL"] },
  "--redis": { key: "redis", env: ["LORO_RX_REDIS_URL"] },
  "--trim-grace-ms": { key: "trimGraceMs", env: ["LORO_RX_TRIM_GRACE_MS"], max: MAX_MS },
};

const DEFAULTS: ServeOptions = {
  host: DEFAULT_HUB_HOST,
  port: DEFAULT_HUB_PORT,
  dataDir: DEFAULT_DATA_DIR,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS,
  flushDelayMs: DEFAULT_FLUSH_DELAY_MS,
  postgres: undefined,
  redis: undefined,
  trimGraceMs: undefined,
};

export const HELP = `Usage: loro-rx serve [options]

Runs a loro-rx sync hub: Loro documents synced over WebSocket and kept in a LevelDB directory.

Options (flag, environment variable, default):
  --host HOST        LORO_RX_HOST          ${DEFAULT_HUB_HOST} (0.0.0.0: every interface; the hub has no auth)
  --port N           LORO_RX_PORT, PORT    ${DEFAULT_HUB_PORT} (0: any free port, printed when listening)
  --data DIR         LORO_RX_DATA          ${DEFAULT_DATA_DIR}
  --heartbeat-ms N   LORO_RX_HEARTBEAT_MS  ${DEFAULT_HEARTBEAT_MS} (presence heartbeat; 0: off)
  --status-ms N      LORO_RX_STATUS_MS     ${DEFAULT_STATUS_INTERVAL_MS} (status line on stderr when active; 0: off)
  --flush-ms N       LORO_RX_FLUSH_MS      ${DEFAULT_FLUSH_DELAY_MS} (delay before new data is fsynced and acknowledged)
  --postgres URL     LORO_RX_DATABASE_URL  (none) keep documents in PostgreSQL instead of --data
  --redis URL        LORO_RX_REDIS_URL     (none) join the cluster of hubs on this Redis (needs --postgres)
  --trim-grace-ms N  LORO_RX_TRIM_GRACE_MS ${DEFAULT_TRIM_GRACE_MS} (Redis keeps an entry PostgreSQL holds this long)
  -h, --help         show this text

A cluster: start several hubs with the same --redis and --postgres; they serve the same
documents, and an edit acknowledged by one survives its crash and is served by the others.

Clients connect to ws://HOST:PORT. On the same port, plain HTTP:
  GET /health                          200 when serving ("degraded": Redis lost, serving own clients),
                                       503 when stopping or storage fails
  GET /docs/<docId>/durable-version    {"<peerId>": counter, ...}: what is durable on disk

Ctrl-C or SIGTERM stops gracefully (storage flushed, clients closed with 1001), exit 0.
Exit codes: 1 cannot start (data directory used by another hub, port taken), 2 bad usage.
`;

/** Sets the option from `raw`, or says why it cannot. */
const apply = (
  options: { -readonly [K in keyof ServeOptions]: ServeOptions[K] },
  flag: Flag,
  raw: string,
  from: string,
): string | undefined => {
  if (!("max" in flag)) {
    if (raw === "") return `${from} must not be empty`;
    options[flag.key] = raw;
    return undefined;
  }
  if (!/^\d+$/.test(raw) || Number(raw) > flag.max) {
    return `${from} must be a whole number from 0 to ${flag.max}, got "${raw}"`;
  }
  options[flag.key] = Number(raw);
  return undefined;
};

export const parseCli = (args: readonly string[], env: Env = {}): ParsedCli => {
  const options = { ...DEFAULTS };
  const given = new Set<keyof ServeOptions>();
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (!arg.startsWith("-")) {
      if (command !== undefined) return { kind: "error", message: `unexpected argument "${arg}"` };
      command = arg;
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const flag = FLAGS[name];
    if (flag === undefined) return { kind: "error", message: `unknown option ${name}` };
    let raw: string | undefined;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      raw = args[i + 1];
      if (raw === undefined || raw.startsWith("--")) {
        return { kind: "error", message: `${name} needs a value` };
      }
      i++;
    }
    const problem = apply(options, flag, raw, name);
    if (problem !== undefined) return { kind: "error", message: problem };
    given.add(flag.key);
  }
  if (command === undefined) return { kind: "help" };
  if (command !== "serve") {
    return { kind: "error", message: `unknown command "${command}" (the command is "serve")` };
  }
  for (const flag of Object.values(FLAGS)) {
    if (given.has(flag.key)) continue;
    const name = flag.env.find((n) => (env[n] ?? "") !== "");
    if (name === undefined) continue;
    const problem = apply(options, flag, env[name]!, `environment variable ${name}`);
    if (problem !== undefined) return { kind: "error", message: problem };
  }
  if (options.redis !== undefined && options.postgres === undefined) {
    return { kind: "error", message: REDIS_NEEDS_POSTGRES };
  }
  return { kind: "serve", options };
};
