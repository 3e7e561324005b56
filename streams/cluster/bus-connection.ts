/**
 * The bus as the engine sees it: one Connection of kind `network` whose other end is "the rest of
 * the cluster" — the documents' Redis Streams plus the PostgreSQL store they are trimmed into. The
 * engine syncs with it like with any peer, so the protocol does the work: it sends the bus only
 * what the bus lacks (deltas from the version the bus stated), never sends an entry back to where
 * it came from, and forwards what arrives to its own clients and storage.
 *
 * ```
 *  engine ──update──▶ XADD loro-rx:s:<docId> {o: hub, k, d, v}      (published once per edit)
 *  engine ◀─update─── XREAD loro-rx:s:<docId>… (entries of other hubs; own ones skipped by `o`)
 *  engine ──sync-request(V)──▶ XRANGE all + load PostgreSQL → sync-response(delta from V)
 *                              + sync-request(ours) so the engine sends what the cluster lacks
 *  engine ──ephemeral──▶ PUBLISH loro-rx:p:<docId>  (never persisted)  ──▶ other hubs' engines
 *  engine ──delete-request──▶ XADD {k: delete} ──▶ delete-request at every other hub
 * ```
 *
 * Why the handshake reads PostgreSQL too: entries are trimmed once PostgreSQL holds them, so the
 * stream alone is not the cluster's state. Reading the whole stream first (noting its last id,
 * where live reading starts) and PostgreSQL second leaves no gap: an entry trimmed before the read
 * was in PostgreSQL before it. The same answer serves a document whose stream was trimmed past
 * this hub's position while it lagged (`checkGaps`): the bus announces it, the engine asks.
 *
 * Any Redis failure ends the connection (`incoming$` completes, `failed` resolves): the engine
 * keeps serving its clients, and the next connection's handshake re-sends whatever the cluster
 * missed meanwhile. A fresh peer id per connection makes that handshake a full one.
 */
import type { Redis } from "ioredis";
import { decodeImportBlobMeta, type LoroDoc } from "loro-crdt";
import { type SchedulerLike, Subject, type Subscription, timer } from "rxjs";
import type {
  BatchableMsg,
  ChannelMsg,
  DocId,
  PresenceEntry,
  SyncTransmission,
} from "../../src/protocol/messages.js";
import {
  compareVersions,
  EMPTY_VERSION,
  isEmptyVersion,
  mergeVersions,
  type VersionVector,
} from "../../src/protocol/version-vector.js";
import { docVersion, exportFrom, fromLoroVersion } from "../loro-version.js";
import { DocLanes } from "../storage/doc-lanes.js";
import { rebuildDoc } from "../storage/rebuild-doc.js";
import type { StorageBackend } from "../storage/storage-backend.js";
import type { Connection, TransportProblem } from "../transport.js";
import {
  type BusEntry,
  decodeEntry,
  decodePresence,
  encodeEntry,
  encodePresence,
  entryAfter,
  laterId,
} from "./bus-entry.js";
import { type BusState, noteOnStream, noteRemotePeer, track } from "./bus-state.js";

export interface BusClients {
  /** Commands (XADD, XRANGE, PUBLISH, XTRIM). */
  readonly cmd: Redis;
  /** Blocking XREAD only. */
  readonly reader: Redis;
  /** Pub/sub subscriber. */
  readonly sub: Redis;
}

export interface BusConnectionOptions {
  readonly hubId: string;
  readonly clients: BusClients;
  readonly backend: StorageBackend;
  readonly state: BusState;
  readonly streamKey: (docId: DocId) => string;
  readonly presenceChannel: (docId: DocId) => string;
  /** Sorted set: peer → highest counter ever published on the doc's stream. */
  readonly publishedKey: (docId: DocId) => string;
  /** String: the id of the latest entry ever trimmed from the doc's stream (the trim mark). */
  readonly trimmedKey: (docId: DocId) => string;
  /** How long one XREAD blocks. */
  readonly blockMs: number;
  /** How often every followed stream's trim mark is checked against this hub's position. */
  readonly gapCheckMs: number;
  readonly scheduler: SchedulerLike;
}

export interface BusConnection extends Connection {
  /** Resolves with the reason once the connection is over (failure or close). */
  readonly ended: Promise<string>;
  /** Hands a pub/sub message to the connection (the transport owns the subscriber). */
  presence(channel: string, message: string): void;
  /**
   * Stops reading the document's stream and presence and forgets where this hub was in it and
   * what it knew to be on it; resolves once done. Runs after any handshake of the document
   * already under way (same lane), so that handshake cannot follow it again afterwards. A later
   * `sync-request` or `new-doc` for it follows it again with a full read.
   */
  unfollow(docId: DocId): Promise<void>;
}

type RawItem = [Buffer, Buffer[]];

/** Trim marks are read this many keys per MGET. */
const MARKS_PER_READ = 1_000;

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const randomPeerId = (): string =>
  new DataView(crypto.getRandomValues(new Uint8Array(8)).buffer).getBigUint64(0).toString();

const endOf = (data: Uint8Array): VersionVector => {
  try {
    return fromLoroVersion(decodeImportBlobMeta(data, false).partialEndVersionVector);
  } catch {
    // Not a Loro blob: nothing of it can ever reach PostgreSQL, so it never blocks trimming.
    return EMPTY_VERSION;
  }
};

export const createBusConnection = (options: BusConnectionOptions): BusConnection => {
  const { hubId, clients, backend, state } = options;
  const incoming = new Subject<unknown>();
  const problems = new Subject<TransportProblem>();
  const lanes = new DocLanes();
  /** Documents whose stream this connection reads, with the id to read after. */
  const following = new Map<DocId, string>();
  const docByKey = new Map<string, DocId>();
  const docByChannel = new Map<string, DocId>();
  /**
   * Per followed document, a position up to which this hub has missed nothing: every entry at or
   * below it that ever existed was delivered to the engine or was covered by a load from
   * PostgreSQL. Only rises; see `checkGaps`.
   */
  const verified = new Map<DocId, string>();
  /** Documents found lagging past a trim, announced to the engine, not yet loaded again. */
  const catchingUp = new Set<DocId>();
  // Both hold followed documents only: an entry goes with `unfollow` and all with the connection.
  let checking = false;
  let gapChecks: Subscription | undefined;
  let closed = false;
  let reading = false;
  let endWith!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => {
    endWith = resolve;
  });
  let readerId: number | undefined;

  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    gapChecks?.unsubscribe();
    incoming.complete();
    problems.complete();
    endWith(reason);
    // A blocked XREAD would hold the reader for up to blockMs; free it now.
    if (readerId !== undefined) {
      void clients.cmd.call("CLIENT", "UNBLOCK", String(readerId)).catch(() => undefined);
    }
  };
  const fail = (what: string, e: unknown): void => {
    if (closed) return;
    state.counters.losses++;
    finish(`redis: ${what}: ${describe(e)}`);
  };
  const reply = (message: ChannelMsg): void => {
    if (!closed) incoming.next(message);
  };
  const report = (problem: TransportProblem): void => {
    if (!closed) problems.next(problem);
  };

  // ── reading ────────────────────────────────────────────────────────────────────────────────

  const deliver = (docId: DocId, id: string, fields: Buffer[]): void => {
    const entry = decodeEntry(fields);
    if (entry === undefined) {
      state.counters.malformed++;
      report({ code: "malformed_entry", docId, message: `dropped bus entry ${id}` });
      return;
    }
    if (entry.kind === "delete") {
      // Entries before a delete are of a document that no longer exists: nothing to keep.
      state.tracked.delete(docId);
      state.onStream.delete(docId);
      track(state, docId, { id, end: EMPTY_VERSION });
    } else {
      track(state, docId, { id, end: endOf(entry.data) });
      noteOnStream(state, docId, entry.version);
    }
    if (entry.origin === hubId) {
      state.counters.ownSkipped++;
      return;
    }
    state.counters.received++;
    if (entry.kind === "delete") {
      reply({ type: "channel/delete-request", docId });
      return;
    }
    reply({
      type: "channel/update",
      docId,
      transmission: { type: entry.kind, data: entry.data, version: entry.version },
    });
  };

  const readLoop = async (): Promise<void> => {
    try {
      readerId = Number(await clients.reader.call("CLIENT", "ID"));
    } catch (e) {
      fail("CLIENT ID", e);
      return;
    }
    while (!closed) {
      if (following.size === 0) {
        reading = false;
        return; // restarted by the next follow
      }
      const keys: string[] = [];
      const ids: string[] = [];
      for (const [docId, id] of following) {
        keys.push(options.streamKey(docId));
        ids.push(id);
      }
      let result: unknown;
      try {
        result = await clients.reader.callBuffer(
          "XREAD",
          "COUNT",
          "1000",
          "BLOCK",
          String(options.blockMs),
          "STREAMS",
          ...keys,
          ...ids,
        );
      } catch (e) {
        fail("XREAD", e);
        return;
      }
      if (closed) return;
      if (!Array.isArray(result)) continue; // timed out or unblocked: read again
      for (const [key, items] of result as [Buffer, RawItem[]][]) {
        const docId = docByKey.get(key.toString());
        if (docId === undefined) continue;
        for (const [rawId, fields] of items) {
          const id = rawId.toString();
          const last = following.get(docId);
          if (last !== undefined && !entryAfter(id, last)) continue;
          following.set(docId, id);
          state.lastIds.set(docId, id);
          deliver(docId, id, fields);
        }
      }
    }
  };

  const startReading = (): void => {
    if (reading || closed) return;
    reading = true;
    void readLoop();
  };

  const follow = (docId: DocId, after: string): void => {
    const known = following.get(docId);
    if (known !== undefined && !entryAfter(after, known)) return;
    const fresh = known === undefined;
    following.set(docId, after);
    startGapChecks();
    state.lastIds.set(docId, after);
    const key = options.streamKey(docId);
    docByKey.set(key, docId);
    if (fresh) {
      docByChannel.set(options.presenceChannel(docId), docId);
      clients.sub.subscribe(options.presenceChannel(docId)).catch((e) => fail("SUBSCRIBE", e));
      // The reader may be blocked on the old key list: wake it so this stream is read at once.
      if (reading && readerId !== undefined) {
        clients.cmd.call("CLIENT", "UNBLOCK", String(readerId)).catch(() => undefined);
      }
    }
    startReading();
  };

  // ── falling behind past a trim ─────────────────────────────────────────────────────────────

  /**
   * Other hubs trim entries older than their grace once PostgreSQL holds them, whether or not
   * this hub has read them: a hub that stalls (a long pause, an overloaded machine, clocks apart)
   * can find entries past its position gone, and XREAD skips over the hole silently. Each trim
   * raises the stream's trim mark atomically (`TRIM_SCRIPT`), so a mark above `verified` means
   * entries after it were trimmed, perhaps before this hub read them. Such a document is
   * announced to the engine (`new-doc`), which asks with its version, and the answer is the
   * handshake's: retained stream plus PostgreSQL, so the engine gets exactly what it lacks.
   *
   * Soundness: a mark at or below `verified` read at time T means no entry above `verified` was
   * trimmed before T; every entry up to the position `p` noted when the marks were asked for was
   * either read or trimmed before its turn came, and the latter is excluded, so `verified`
   * rises to `p`. An idle stream is checked too: entries added and trimmed while this hub was
   * not blocked in XREAD leave no trace but the mark. A false alarm (entries read just before
   * the check and trimmed right after) costs one load; it needs a hub lagging about the grace.
   */
  const checkGaps = async (): Promise<void> => {
    const docs: DocId[] = [];
    const at: string[] = [];
    for (const [docId, position] of following) {
      if (catchingUp.has(docId)) continue;
      docs.push(docId);
      at.push(position);
    }
    for (let from = 0; from < docs.length && !closed; from += MARKS_PER_READ) {
      const chunk = docs.slice(from, from + MARKS_PER_READ);
      let marks: (string | null)[];
      try {
        marks = await clients.cmd.mget(...chunk.map(options.trimmedKey));
      } catch (e) {
        fail("MGET", e);
        return;
      }
      if (closed) return;
      for (const [n, docId] of chunk.entries()) {
        // Unfollowed meanwhile, or loaded again (which set `verified` itself).
        if (!following.has(docId) || catchingUp.has(docId)) continue;
        const position = at[from + n]!;
        const known = verified.get(docId) ?? position;
        const mark = marks[n];
        if (typeof mark === "string" && entryAfter(mark, known)) {
          catchingUp.add(docId);
          state.counters.gapsCaughtUp++;
          reply({ type: "channel/new-doc", docIds: [docId] });
        } else {
          verified.set(docId, laterId(known, position));
        }
      }
    }
  };

  const startGapChecks = (): void => {
    if (gapChecks !== undefined || closed || options.gapCheckMs <= 0) return;
    gapChecks = timer(options.gapCheckMs, options.gapCheckMs, options.scheduler).subscribe(() => {
      if (checking || following.size === 0) return;
      checking = true;
      void checkGaps().finally(() => {
        checking = false;
      });
    });
  };

  // ── the handshake: stream, then PostgreSQL ────────────────────────────────────────────────

  /** What has ever been published on the stream (trimmed entries included). */
  const publishedVersion = async (docId: DocId): Promise<VersionVector> => {
    const flat = (await clients.cmd.call(
      "ZRANGE",
      options.publishedKey(docId),
      "0",
      "-1",
      "WITHSCORES",
    )) as string[];
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = Number(flat[i + 1]);
    return out;
  };

  /**
   * The cluster's state of `docId`: `doc` holds every retained entry plus what PostgreSQL holds
   * (what the engine may be missing); `published` is what every hub following the stream has
   * been able to read (what the engine need not send). They differ by what reached PostgreSQL
   * without travelling on the stream, e.g. a client's edit taken while the hub was not yet
   * following the document: the engine must publish that, or hubs already holding the document
   * would never see it.
   */
  const load = async (docId: DocId): Promise<{ doc: LoroDoc; published: VersionVector }> => {
    // The trim mark with the stream, atomically: everything at or below the later of the mark
    // and the last retained entry is either read here or (trimmed) in PostgreSQL, read below.
    const answers = await clients.cmd
      .multi()
      .get(options.trimmedKey(docId))
      .callBuffer("XRANGE", options.streamKey(docId), "-", "+")
      .exec();
    if (answers === null) throw new Error("MULTI aborted");
    const [markAnswer, rangeAnswer] = answers;
    if (markAnswer?.[0] || rangeAnswer?.[0]) throw markAnswer?.[0] ?? rangeAnswer?.[0];
    const mark = markAnswer?.[1];
    const items = (rangeAnswer?.[1] ?? []) as RawItem[];
    let after = "0-0";
    let updates: Uint8Array[] = [];
    let retained: VersionVector = EMPTY_VERSION;
    const previous = state.lastIds.get(docId);
    for (const [rawId, fields] of items) {
      const id = rawId.toString();
      after = id;
      const entry = decodeEntry(fields);
      if (entry === undefined) continue;
      const unseen = previous === undefined || entryAfter(id, previous);
      if (entry.kind === "delete") {
        updates = [];
        retained = EMPTY_VERSION;
        // A delete this hub never read: what it knew to be on the stream is of the old document.
        if (unseen) state.onStream.delete(docId);
      } else {
        updates.push(entry.data);
        retained = mergeVersions(retained, entry.version);
      }
      // Read before this hub followed the stream: still to be trimmed once PostgreSQL has it.
      if (unseen) {
        track(state, docId, {
          id,
          end: entry.kind === "delete" ? EMPTY_VERSION : endOf(entry.data),
        });
      }
    }
    const covered = typeof mark === "string" ? laterId(mark, after) : after;
    const resumeAt = state.lastIds.get(docId);
    follow(docId, resumeAt !== undefined ? laterId(resumeAt, covered) : covered);
    const known = verified.get(docId);
    verified.set(docId, known === undefined ? covered : laterId(known, covered));
    catchingUp.delete(docId);
    const published = await publishedVersion(docId);
    // Both are on the stream (the published set counts trimmed entries too), so every hub
    // following it has or will read them, whatever becomes of this one.
    noteOnStream(state, docId, mergeVersions(retained, published));
    const rebuilt = rebuildDoc(await backend.loadRange([docId]));
    for (const data of updates) {
      try {
        rebuilt.doc.import(data);
      } catch {
        state.counters.malformed++;
      }
    }
    return { doc: rebuilt.doc, published };
  };

  const answerSyncRequest = async (docId: DocId, theirs: VersionVector): Promise<void> => {
    let doc: LoroDoc;
    let published: VersionVector;
    try {
      ({ doc, published } = await load(docId));
    } catch (e) {
      fail(`loading ${JSON.stringify(docId)}`, e);
      return;
    }
    try {
      const ours = docVersion(doc);
      let transmission: SyncTransmission;
      if (isEmptyVersion(ours)) transmission = { type: "unavailable" };
      else {
        const order = compareVersions(theirs, ours);
        transmission =
          order === 0 || order === 1
            ? { type: "up-to-date", version: ours }
            : { type: "update", data: exportFrom(doc, theirs), version: ours };
      }
      reply({ type: "channel/sync-response", docId, transmission });
      // Ask back with what the stream carried: the engine answers with what other hubs lack.
      reply({
        type: "channel/sync-request",
        docId,
        requesterDocVersion: published,
        bidirectional: false,
      });
    } finally {
      doc.free();
    }
  };

  const answerAnnouncement = async (docId: DocId): Promise<void> => {
    let loaded: { doc: LoroDoc; published: VersionVector };
    try {
      loaded = await load(docId);
    } catch (e) {
      fail(`loading ${JSON.stringify(docId)}`, e);
      return;
    }
    loaded.doc.free();
    // Bidirectional: the engine sends what the stream lacks, then asks us for what it lacks.
    reply({
      type: "channel/sync-request",
      docId,
      requesterDocVersion: loaded.published,
      bidirectional: true,
    });
  };

  // ── writing ────────────────────────────────────────────────────────────────────────────────

  const append = (docId: DocId, entry: BusEntry): void => {
    state.counters.published++;
    if (entry.kind === "delete") state.onStream.delete(docId);
    clients.cmd.callBuffer("XADD", options.streamKey(docId), "*", ...encodeEntry(entry)).then(
      () => {
        // Accepted, so every hub following the stream will read it even if this one dies now:
        // half of acknowledgement (the hub's storage is the other). Replies come in order, so a
        // failure of an earlier append has already closed the connection, and then this entry
        // may sit on a gap: it counts only through the next handshake's published set.
        if (!closed && entry.kind !== "delete") noteOnStream(state, docId, entry.version);
      },
      (e: unknown) => fail("XADD", e),
    );
    // After the XADD on the same connection, so a crash in between under-claims (the next
    // handshake publishes again), never over-claims. ZADD GT keeps the highest counter.
    const key = options.publishedKey(docId);
    if (entry.kind === "delete") {
      clients.cmd.del(key).catch((e) => fail("DEL", e));
      return;
    }
    const scores: string[] = [];
    for (const [peer, counter] of Object.entries(endOf(entry.data))) {
      scores.push(String(counter), peer);
    }
    if (scores.length > 0)
      clients.cmd.call("ZADD", key, "GT", ...scores).catch((e) => fail("ZADD", e));
  };

  const publishPresence = (docId: DocId, stores: readonly PresenceEntry[]): void => {
    // Entries of peers on other hubs came from the bus: publishing them again would be an echo.
    const own = stores.filter((e) => !state.remotePeers.has(e.peerId));
    if (own.length === 0) return;
    state.counters.presencePublished++;
    clients.cmd
      .publish(options.presenceChannel(docId), encodePresence(hubId, own))
      .catch((e) => fail("PUBLISH", e));
  };

  const handle = (message: ChannelMsg | BatchableMsg): void => {
    switch (message.type) {
      case "channel/establish-request":
        reply({
          type: "channel/establish-response",
          identity: { peerId: randomPeerId(), name: "loro-rx-cluster", type: "service" },
        });
        return;
      case "channel/sync-request":
        if (message.ephemeral !== undefined) publishPresence(message.docId, message.ephemeral);
        lanes.run([message.docId], () =>
          answerSyncRequest(message.docId, message.requesterDocVersion),
        );
        return;
      case "channel/sync-response":
      case "channel/update": {
        const t = message.transmission;
        if (t.type === "snapshot" || t.type === "update") {
          append(message.docId, { kind: t.type, origin: hubId, data: t.data, version: t.version });
        }
        if (message.type === "channel/sync-response" && message.ephemeral !== undefined) {
          publishPresence(message.docId, message.ephemeral);
        }
        return;
      }
      case "channel/new-doc":
        for (const docId of message.docIds) lanes.run([docId], () => answerAnnouncement(docId));
        return;
      case "channel/directory-request":
        reply({ type: "channel/directory-response", docIds: [] });
        return;
      case "channel/delete-request":
        append(message.docId, { kind: "delete", origin: hubId });
        reply({ type: "channel/delete-response", docId: message.docId, status: "deleted" });
        return;
      case "channel/ephemeral":
        publishPresence(message.docId, message.stores);
        return;
      case "channel/batch":
        for (const inner of message.messages) handle(inner);
        return;
      default:
        return;
    }
  };

  const unfollow = (docId: DocId): Promise<void> =>
    new Promise((done) => {
      lanes.run([docId], async () => {
        try {
          state.lastIds.delete(docId);
          state.onStream.delete(docId);
          verified.delete(docId);
          catchingUp.delete(docId);
          // `tracked` stays: its entries are trimmed (and the list dropped) as PostgreSQL has them.
          if (!following.delete(docId)) return;
          docByKey.delete(options.streamKey(docId));
          const channel = options.presenceChannel(docId);
          docByChannel.delete(channel);
          if (closed) return;
          clients.sub.unsubscribe(channel).catch((e: unknown) => fail("UNSUBSCRIBE", e));
          // The reader may be blocked on a key list that still names this stream.
          if (reading && readerId !== undefined) {
            clients.cmd.call("CLIENT", "UNBLOCK", String(readerId)).catch(() => undefined);
          }
        } finally {
          done();
        }
      });
    });

  const presence = (channel: string, raw: string): void => {
    if (closed) return;
    const docId = docByChannel.get(channel);
    if (docId === undefined) return;
    const decoded = decodePresence(raw);
    if (decoded === undefined) {
      state.counters.malformed++;
      report({ code: "malformed_presence", docId, message: "dropped a presence message" });
      return;
    }
    if (decoded.origin === hubId) return;
    state.counters.presenceReceived++;
    for (const e of decoded.stores) noteRemotePeer(state, e.peerId);
    // One hop left: the receiving hub relays it to its own clients, and no further.
    reply({ type: "channel/ephemeral", docId, hopsRemaining: 1, stores: decoded.stores });
  };

  return {
    kind: "network",
    adapterType: "redis-bus",
    // The rest of the cluster, not an outside peer: it sees every doc, whatever the hub's auth.
    trusted: true,
    // The hub starts the handshake, as with its storage.
    initiator: true,
    incoming$: incoming.asObservable(),
    problems$: problems.asObservable(),
    ended,
    presence,
    unfollow,
    send(message) {
      if (closed) return;
      try {
        handle(message);
      } catch (e) {
        report({ code: "invalid_message", message: `ignored a message: ${describe(e)}` });
      }
    },
    // No `flush`: the hub's storage flush (its acknowledgements) must not wait on Redis.
    close(reason) {
      finish(reason ?? "closed");
    },
  };
};
