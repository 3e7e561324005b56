/**
 * The bus between hubs as a Transport: subscribing connects to Redis and emits one
 * {@link createBusConnection bus connection} whenever Redis is reachable; when Redis is lost the
 * connection ends (the hub serves its own clients meanwhile and reports `degraded`), and once a
 * probe succeeds a new one is emitted, resuming each stream after its last entry id.
 *
 * It also trims: every `trimEveryMs`, the entries this hub has read whose operations its durable
 * version covers (so they are in PostgreSQL) and that are older than `trimGraceMs` are removed with
 * `XTRIM MINID`, raising the stream's trim mark in the same script. The grace gives slower hubs
 * time to read them; a hub that was away longer reloads from PostgreSQL in its next handshake,
 * and one that stayed connected but fell behind finds the mark above its position and reloads
 * that document (`bus-connection.ts`), which is why trimming never loses anything.
 *
 * ```
 *  Redis:     up ─────────────X (lost) ·········· (probe ok) ───────────
 *  emits:     conn#1 ─────────|                   conn#2 ──────────────
 *  health:    connected       degraded            connected
 * ```
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import {
  asyncScheduler,
  firstValueFrom,
  map,
  Observable,
  race,
  type SchedulerLike,
  Subject,
  timer,
} from "rxjs";
import type { DocId } from "../../src/protocol/messages.js";
import {
  EMPTY_VERSION,
  type VersionVector,
  versionCovers,
} from "../../src/protocol/version-vector.js";
import type { StorageBackend } from "../storage/storage-backend.js";
import type { Connection, Transport } from "../transport.js";
import { type BusClients, type BusConnection, createBusConnection } from "./bus-connection.js";
import { entryMs, nextEntryId, TRIM_SCRIPT } from "./bus-entry.js";
import { type BusCounters, createBusState } from "./bus-state.js";

export interface RedisBusOptions {
  /** `redis://host:port`. */
  readonly url: string;
  /** The shared store (PostgreSQL), read by handshakes; never written or closed by the bus. */
  readonly backend: StorageBackend;
  /** This hub's id in entries' origin field. Default: random. */
  readonly hubId?: string;
  /** What PostgreSQL holds of a document, as this hub knows it; without it nothing is trimmed. */
  readonly durableVersion?: (docId: DocId) => VersionVector;
  /** Prefix of every Redis key and channel. Default `"loro-rx:"`. */
  readonly keyPrefix?: string;
  /** Entries younger than this are never trimmed. Default 5,000 ms. */
  readonly trimGraceMs?: number;
  /** How often to trim. Default 1,000 ms; 0 never trims. */
  readonly trimEveryMs?: number;
  /**
   * How often to check that no stream was trimmed past this hub's position in it (then the
   * document is caught up from PostgreSQL). Default: half the trim grace, within 50–1,000 ms,
   * so entries read promptly are checked before any hub with that grace trims them; 0 never.
   */
  readonly gapCheckMs?: number;
  /** How long one XREAD blocks. Default 1,000 ms. */
  readonly blockMs?: number;
  /** A command without an answer for this long counts as Redis lost. Default 2,000 ms. */
  readonly commandTimeoutMs?: number;
  /** How often a lost Redis is probed. Default 250 ms. */
  readonly probeMs?: number;
  readonly scheduler?: SchedulerLike;
  readonly log?: (line: string) => void;
}

export interface BusHealth {
  readonly connected: boolean;
  readonly hubId: string;
  readonly counters: Readonly<BusCounters>;
}

export type RedisBus = Transport & {
  readonly hubId: string;
  /** Resolves true once a bus connection is up, or false after `timeoutMs` without one. */
  whenConnected(timeoutMs: number): Promise<boolean>;
  health(): BusHealth;
  /**
   * A version whose every operation is on the document's stream, so every hub following it
   * gets them even if this hub dies: entries this hub appended (XADD answered), entries it read,
   * and the stream's published set as its handshake read it. The hub's acknowledgement is what
   * both this and its storage cover (`../hub/acknowledged.ts`).
   */
  onStreamVersion(docId: DocId): VersionVector;
  /**
   * Stops following the document's stream and presence (for a hub that released the document)
   * and forgets its position and `onStreamVersion`. The engine following it again (a
   * `sync-request` or `new-doc` to the bus) starts with a full read. Resolves once done.
   */
  unfollow(docId: DocId): Promise<void>;
  /** Trims now (also runs on its own every `trimEveryMs`); resolves with entries removed. */
  trim(): Promise<number>;
  /** Resolves once unsubscribed and the Redis clients are closed. */
  whenClosed(): Promise<void>;
};

export const redisBus = (options: RedisBusOptions): RedisBus => {
  const hubId = options.hubId ?? randomBytes(8).toString("hex");
  const prefix = options.keyPrefix ?? "loro-rx:";
  const scheduler = options.scheduler ?? asyncScheduler;
  const blockMs = options.blockMs ?? 1_000;
  const commandTimeout = options.commandTimeoutMs ?? 2_000;
  const probeMs = options.probeMs ?? 250;
  const graceMs = options.trimGraceMs ?? 5_000;
  const trimEveryMs = options.trimEveryMs ?? 1_000;
  const gapCheckMs = options.gapCheckMs ?? Math.min(1_000, Math.max(50, Math.floor(graceMs / 2)));
  const log = options.log ?? (() => undefined);
  const state = createBusState();
  // Distinct sub-prefixes, so no docId can name another document's key.
  const streamKey = (docId: DocId): string => `${prefix}s:${docId}`;
  const presenceChannel = (docId: DocId): string => `${prefix}p:${docId}`;
  const publishedKey = (docId: DocId): string => `${prefix}v:${docId}`;
  const trimmedKey = (docId: DocId): string => `${prefix}t:${docId}`;
  const lives = new Set<Promise<void>>();
  let clients: BusClients | undefined;
  let current: BusConnection | undefined;
  const connected$ = new Subject<void>();

  const trimNow = async (): Promise<number> => {
    const cmd = clients?.cmd;
    const durableVersion = options.durableVersion;
    if (cmd === undefined || current === undefined || durableVersion === undefined) return 0;
    const cutoff = scheduler.now() - graceMs;
    let removed = 0;
    for (const [docId, list] of state.tracked) {
      const durable = durableVersion(docId) ?? EMPTY_VERSION;
      let n = 0;
      while (
        n < list.length &&
        entryMs(list[n]!.id) < cutoff &&
        versionCovers(durable, list[n]!.end)
      )
        n++;
      if (n === 0) continue;
      const last = list[n - 1]!.id;
      try {
        // With the trim mark, so a hub that has not read these yet notices (bus-connection.ts).
        removed += Number(
          await cmd.call(
            "EVAL",
            TRIM_SCRIPT,
            "2",
            streamKey(docId),
            trimmedKey(docId),
            nextEntryId(last),
            last,
          ),
        );
      } catch {
        return removed; // Redis trouble: the connection reports it; trim again later
      }
      list.splice(0, n);
      if (list.length === 0) state.tracked.delete(docId);
    }
    state.counters.trimmed += removed;
    return removed;
  };
  let trimming: Promise<number> | undefined;
  const trim = (): Promise<number> => {
    trimming ??= trimNow().finally(() => {
      trimming = undefined;
    });
    return trimming;
  };

  const makeClients = (): BusClients => {
    const base = {
      // Fail fast instead of queueing: a lost Redis ends the bus connection, and the next
      // handshake re-sends what was missed.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout,
      retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    };
    const made = {
      cmd: new Redis(options.url, { ...base, connectionName: `loro-rx-${hubId}` }),
      reader: new Redis(options.url, { ...base, commandTimeout: blockMs + commandTimeout }),
      sub: new Redis(options.url, base),
    };
    // ioredis logs unhandled "error" events; losses are handled through failed commands.
    for (const c of Object.values(made)) c.on("error", () => undefined);
    return made;
  };

  /** Waits for a client that is still connecting, up to `ms`. */
  const ready = (client: Redis, ms: number): Promise<boolean> => {
    if (client.status === "ready") return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        waiting.unsubscribe();
        client.off("ready", onReady);
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const waiting = timer(ms, scheduler).subscribe(() => done(false));
      client.once("ready", onReady);
    });
  };

  const healthy = async (c: BusClients): Promise<boolean> => {
    const all = await Promise.all([c.cmd, c.reader, c.sub].map((r) => ready(r, probeMs)));
    if (!all.every(Boolean)) return false;
    try {
      await Promise.all([c.cmd.ping(), c.reader.ping()]);
      return true;
    } catch {
      return false;
    }
  };

  const transport = new Observable<Connection>((subscriber) => {
    let ended = false;
    const c = makeClients();
    clients = c;
    c.sub.on("message", (channel: string, message: string) => current?.presence(channel, message));
    const trimmer =
      trimEveryMs > 0
        ? timer(trimEveryMs, trimEveryMs, scheduler).subscribe(() => void trim())
        : undefined;

    const life = (async () => {
      let lostAt: number | undefined;
      while (!ended) {
        if (!(await healthy(c))) {
          await firstValueFrom(timer(probeMs, scheduler));
          continue;
        }
        if (ended) break;
        if (lostAt !== undefined) {
          log(`loro-rx hub: cluster bus back after ${scheduler.now() - lostAt} ms; resyncing`);
          lostAt = undefined;
        }
        const connection = createBusConnection({
          hubId,
          clients: c,
          backend: options.backend,
          state,
          streamKey,
          presenceChannel,
          publishedKey,
          trimmedKey,
          blockMs,
          gapCheckMs,
          scheduler,
        });
        current = connection;
        subscriber.next(connection);
        connected$.next();
        const reason = await connection.ended;
        current = undefined;
        if (!ended) {
          lostAt = scheduler.now();
          log(`loro-rx hub: cluster bus lost (${reason}); serving local clients meanwhile`);
        }
      }
    })();
    const whole = life.finally(() => {
      trimmer?.unsubscribe();
      for (const client of Object.values(c)) client.disconnect();
      if (clients === c) clients = undefined;
    });
    lives.add(whole);
    void whole.then(() => lives.delete(whole));

    return () => {
      ended = true;
      current?.close("bus unsubscribed");
    };
  });

  return Object.assign(transport, {
    hubId,
    health: (): BusHealth => ({
      connected: current !== undefined,
      hubId,
      counters: { ...state.counters },
    }),
    trim,
    onStreamVersion: (docId: DocId): VersionVector => state.onStream.get(docId) ?? EMPTY_VERSION,
    unfollow: (docId: DocId): Promise<void> => {
      if (current !== undefined) return current.unfollow(docId);
      state.lastIds.delete(docId);
      state.onStream.delete(docId);
      return Promise.resolve();
    },
    whenConnected: (timeoutMs: number): Promise<boolean> =>
      current !== undefined
        ? Promise.resolve(true)
        : firstValueFrom(
            race(
              connected$.pipe(map(() => true)),
              timer(timeoutMs, scheduler).pipe(map(() => false)),
            ),
          ),
    async whenClosed() {
      while (lives.size > 0) await Promise.all(lives);
    },
  });
};
