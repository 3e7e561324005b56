import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { LoroDoc } from "loro-crdt";
import type { Subscription } from "rxjs";
import type { ChannelMsg, SyncResponseMsg } from "../../../src/protocol/messages.js";
import type { VersionVector } from "../../../src/protocol/version-vector.js";
import { docVersion } from "../../../streams/loro-version.js";
import type { StorageTransport } from "../../../streams/storage/storage-transport.js";
import type { Connection, TransportProblem } from "../../../streams/transport.js";

/**
 * Polls `predicate` in real time: disk work runs on libuv's thread pool, so a count of event-loop
 * turns says nothing about how long it may take.
 */
export const eventually = async (what: string, predicate: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(1);
  }
};

/** A fresh directory per test (LevelDB locks its directory), removed by `cleanup`. */
export const tempDir = async (): Promise<{ dir: string; cleanup: () => Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-storage-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

export interface Peer {
  readonly connection: Connection;
  readonly replies: ChannelMsg[];
  readonly problems: TransportProblem[];
  send(...messages: ChannelMsg[]): void;
  /** Waits until `n` replies arrived since the last call and returns them. */
  next(n: number): Promise<ChannelMsg[]>;
  /** Unsubscribes the transport and waits until its work is over. */
  stop(): Promise<void>;
}

/** Subscribes `transport` and records what its Connection replies. */
export const connect = async (transport: StorageTransport): Promise<Peer> => {
  const replies: ChannelMsg[] = [];
  const problems: TransportProblem[] = [];
  let read = 0;
  const subs: Subscription[] = [];
  const conn = await new Promise<Connection>((resolve, reject) => {
    subs.push(
      transport.subscribe({
        next: (c) => {
          subs.push(c.incoming$.subscribe((m) => replies.push(m as ChannelMsg)));
          if (c.problems$) subs.push(c.problems$.subscribe((p) => problems.push(p)));
          resolve(c);
        },
        error: reject,
      }),
    );
  });
  return {
    connection: conn,
    replies,
    problems,
    send: (...messages: ChannelMsg[]) => {
      for (const m of messages) conn.send(m);
    },
    async next(n: number) {
      await eventually(
        `${n} replies (have ${replies.length - read})`,
        () => replies.length >= read + n,
      );
      // Give a wrong extra reply the chance to show up.
      await nextTurn();
      const out = replies.slice(read, read + n);
      read += n;
      return out;
    },
    async stop() {
      for (const s of subs) s.unsubscribe();
      await transport.whenClosed();
    },
  };
};

export const syncRequest = (docId: string, version: VersionVector = {}): ChannelMsg => ({
  type: "channel/sync-request",
  docId,
  requesterDocVersion: version,
  bidirectional: true,
});

export const update = (
  docId: string,
  data: Uint8Array,
  version: VersionVector = {},
): ChannelMsg => ({
  type: "channel/update",
  docId,
  transmission: { type: "update", data, version },
});

/** A doc with a fixed peer id holding `text` in the text container "text". */
export const docWith = (peer: bigint, text: string): LoroDoc => {
  const doc = new LoroDoc();
  doc.setPeerId(peer);
  doc.getText("text").insert(0, text);
  doc.commit();
  return doc;
};

export const edit = (doc: LoroDoc, more: string): Uint8Array => {
  const before = doc.oplogVersion();
  doc.getText("text").insert(doc.getText("text").length, more);
  doc.commit();
  return doc.export({ mode: "update", from: before });
};

export const full = (doc: LoroDoc): Uint8Array => doc.export({ mode: "update" });

/** The text a sync-response carries, imported into a fresh doc (undefined when no data). */
export const textOf = (reply: ChannelMsg | undefined, base?: LoroDoc): string | undefined => {
  if (reply?.type !== "channel/sync-response") return undefined;
  const t = (reply as SyncResponseMsg).transmission;
  if (t.type !== "update" && t.type !== "snapshot") return undefined;
  const doc = base ?? new LoroDoc();
  doc.import(t.data);
  return doc.getText("text").toString();
};

export const versionOf = docVersion;
