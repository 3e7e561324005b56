/**
 * The command line of `loro-rx`, parsed without side effects: flags win over environment
 * variables, which win over defaults. Anything unexpected is an error value (exit code 2), never
 * a silently ignored option.
 */
import {
  DEFAULT_DATA_DIR,
  DEFAULT_DOC_IDLE_MS,
  DEFAULT_FLUSH_DELAY_MS,
  DEFAULT_FLUSH_WINDOW_MS,
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
  readonly flushWindowMs: number;
  readonly docIdleMs: number;
  // Cluster: a PostgreSQL store instead of LevelDB, and the Redis bus between hubs.
  readonly postgres: string | undefined;
  readonly redis: string | undefined;
  // Who may connect: "" means not given.
  readonly authSecret: string;
  readonly authPublicKeyFile: string;
  readonly allowAnonymous: boolean;
  readonly offerAllDocs: boolean;
  readonly maxDocsPerConnection: number;
  readonly maxPendingUpgrades: number;
  readonly maxPreHandshakeBytes: number;
  readonly rateLimit: number;
  readonly rateWindowMs: number;
  /** Undefined: the hub's default. */
  readonly trimGraceMs: number | undefined;
}

export type ParsedCli =
  | { readonly kind: "help" }
  | { readonly kind: "serve"; readonly options: ServeOptions }
  | { readonly kind: "error"; readonly message: string };

type Env = Readonly<Record<string, string | undefined>>;

type StringKey = "host" | "dataDir" | "authSecret" | "authPublicKeyFile" | "postgres" | "redis";
type BooleanKey = "allowAnonymous" | "offerAllDocs";
type NumberKey = Exclude<keyof ServeOptions, StringKey | BooleanKey>;
type Flag =
  | { readonly key: StringKey; readonly env: readonly string[] }
  /** Takes no value. */
  | { readonly key: BooleanKey; readonly env: readonly string[]; readonly bool: true }
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
  "--flush-window-ms": { key: "flushWindowMs", env: ["LORO_RX_FLUSH_WINDOW_MS"], max: 60_000 },
  "--doc-idle-ms": { key: "docIdleMs", env: ["LORO_RX_DOC_IDLE_MS"], max: MAX_MS },
  // Cluster (streams/cluster/).
  "--postgres": { key: "postgres", env: ["LORO_RX_DATABASE_URL"] },
  "--redis": { key: "redis", env: ["LORO_RX_REDIS_URL"] },
  "--auth-secret": { key: "authSecret", env: ["LORO_RX_AUTH_SECRET"] },
  "--auth-public-key": { key: "authPublicKeyFile", env: ["LORO_RX_AUTH_PUBLIC_KEY"] },
  "--allow-anonymous": { key: "allowAnonymous", env: [], bool: true },
  "--offer-all-docs": { key: "offerAllDocs", env: [], bool: true },
  "--max-docs-per-connection": { key: "maxDocsPerConnection", env: [], max: 2 ** 31 },
  "--max-pending-upgrades": { key: "maxPendingUpgrades", env: [], max: 2 ** 31 },
  "--max-pre-handshake-bytes": { key: "maxPreHandshakeBytes", env: [], max: 2 ** 31 },
  "--rate-limit": { key: "rateLimit", env: ["LORO_RX_RATE_LIMIT"], max: 2 ** 31 },
  "--rate-window-ms": { key: "rateWindowMs", env: [], max: MAX_MS },
  "--trim-grace-ms": { key: "trimGraceMs", env: ["LORO_RX_TRIM_GRACE_MS"], max: MAX_MS },
};

const DEFAULTS: ServeOptions = {
  host: DEFAULT_HUB_HOST,
  port: DEFAULT_HUB_PORT,
  dataDir: DEFAULT_DATA_DIR,
  heartbeatMs: DEFAULT_HEARTBEAT_MS,
  statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS,
  flushDelayMs: DEFAULT_FLUSH_DELAY_MS,
  flushWindowMs: DEFAULT_FLUSH_WINDOW_MS,
  docIdleMs: DEFAULT_DOC_IDLE_MS,
  postgres: undefined,
  redis: undefined,
  authSecret: "",
  authPublicKeyFile: "",
  allowAnonymous: false,
  offerAllDocs: false,
  maxDocsPerConnection: 10_000,
  maxPendingUpgrades: 1000,
  maxPreHandshakeBytes: 64 * 1024,
  rateLimit: 0,
  rateWindowMs: 10_000,
  trimGraceMs: undefined,
};

export const HELP = `Usage: loro-rx serve [options]

Runs a loro-rx sync hub: Loro documents synced over WebSocket and kept in a LevelDB directory.

Options (flag, environment variable, default):
  --host HOST        LORO_RX_HOST          ${DEFAULT_HUB_HOST} (another host needs auth or --allow-anonymous)
  --port N           LORO_RX_PORT, PORT    ${DEFAULT_HUB_PORT} (0: any free port, printed when listening)
  --data DIR         LORO_RX_DATA          ${DEFAULT_DATA_DIR}
  --heartbeat-ms N   LORO_RX_HEARTBEAT_MS  ${DEFAULT_HEARTBEAT_MS} (presence heartbeat; 0: off)
  --status-ms N      LORO_RX_STATUS_MS     ${DEFAULT_STATUS_INTERVAL_MS} (status line on stderr when active; 0: off)
  --flush-ms N       LORO_RX_FLUSH_MS      ${DEFAULT_FLUSH_DELAY_MS} (delay before new data is fsynced and acknowledged)
  --flush-window-ms N LORO_RX_FLUSH_WINDOW_MS ${DEFAULT_FLUSH_WINDOW_MS} (presence to a client at most once per N ms under load; 0: at once)
  --doc-idle-ms N    LORO_RX_DOC_IDLE_MS   ${DEFAULT_DOC_IDLE_MS} (a document no client holds is freed this long after its last use; 0: never)
  --postgres URL     LORO_RX_DATABASE_URL  (none) keep documents in PostgreSQL instead of --data
  --redis URL        LORO_RX_REDIS_URL     (none) join the cluster of hubs on this Redis (needs --postgres)
  --trim-grace-ms N  LORO_RX_TRIM_GRACE_MS ${DEFAULT_TRIM_GRACE_MS} (Redis keeps an entry PostgreSQL holds this long)
  -h, --help         show this text

A cluster: start several hubs with the same --redis and --postgres; they serve the same
documents, and an edit acknowledged by one survives its crash and is served by the others.

Who may connect (without --auth-*, anyone who can reach the hub may read and write everything):
  --auth-secret S          LORO_RX_AUTH_SECRET      HS256 JWTs signed with S (16+ characters)
  --auth-public-key FILE   LORO_RX_AUTH_PUBLIC_KEY  RS256/ES256 JWTs; FILE is a PEM public key
  --allow-anonymous        listen on a non-loopback --host without auth
  --offer-all-docs         offer every readable document at the handshake (default: only
                           the documents a client asks for)
  --max-docs-per-connection N    10000
  --max-pending-upgrades N       1000 (upgrades waiting for token verification)
  --max-pre-handshake-bytes N    65536 (a socket sending more before its handshake is cut)
  --rate-limit N           LORO_RX_RATE_LIMIT       0 (messages per peer per window; 0: off)
  --rate-window-ms N       10000
Tokens: the "token" query parameter or an "Authorization: Bearer" header. Claims: "sub"
(required), "read"/"write" (document id patterns, "team-7/*"), "create", "delete", "exp".

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
  if ("bool" in flag) {
    options[flag.key] = true;
    return undefined;
  }
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
    if ("bool" in flag) {
      if (eq !== -1) return { kind: "error", message: `${name} takes no value` };
      raw = "";
    } else if (eq !== -1) raw = arg.slice(eq + 1);
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
  if (options.authSecret !== "" && options.authPublicKeyFile !== "") {
    return { kind: "error", message: "give one of --auth-secret and --auth-public-key" };
  }
  return { kind: "serve", options };
};
