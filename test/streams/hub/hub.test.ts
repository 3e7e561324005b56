/**
 * The hub's parts in process: the command line parser, the status line, the durability tracker on
 * a real storage connection, and `startHub` itself (HTTP routes, 1001 on stop, the data lock).
 */
import { once } from "node:events";
import { LoroDoc } from "loro-crdt";
import { WebSocket } from "ws";
import { parseCli } from "../../../streams/hub/cli-args.js";
import { createDurabilityTracker } from "../../../streams/hub/durability.js";
import { formatStatus } from "../../../streams/hub/status-line.js";
import { createRepo } from "../../../streams/index.js";
import { docVersion } from "../../../streams/loro-version.js";
import {
  HubDataLockedError,
  startHub,
  webSocketClient,
  whenDurable,
} from "../../../streams/node.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import { storageTransport } from "../../../streams/storage/storage-transport.js";
import type { Connection } from "../../../streams/transport.js";
import { eventually, tempDir } from "./hub-process.js";

describe("parseCli", () => {
  it("uses the defaults, then the environment, then the flags", () => {
    expect(parseCli(["serve"])).toEqual({
      kind: "serve",
      options: {
        host: "127.0.0.1",
        port: 8787,
        dataDir: "./data",
        heartbeatMs: 10_000,
        statusIntervalMs: 10_000,
        flushDelayMs: 50,
        flushWindowMs: 50,
        docIdleMs: 60_000,
        authSecret: "",
        authPublicKeyFile: "",
        allowAnonymous: false,
        offerAllDocs: false,
        maxDocsPerConnection: 10_000,
        maxPendingUpgrades: 1000,
        maxPreHandshakeBytes: 65_536,
        rateLimit: 0,
        rateWindowMs: 10_000,
      },
    });
    const env = { PORT: "9000", LORO_RX_DATA: "/srv/loro", LORO_RX_HOST: "0.0.0.0" };
    expect(parseCli(["serve"], env)).toMatchObject({
      options: { port: 9000, dataDir: "/srv/loro", host: "0.0.0.0" },
    });
    expect(parseCli(["serve"], { ...env, LORO_RX_PORT: "9001" })).toMatchObject({
      options: { port: 9001 },
    });
    expect(
      parseCli(["serve", "--port=0", "--data", "d", "--heartbeat-ms", "0"], env),
    ).toMatchObject({ options: { port: 0, dataDir: "d", heartbeatMs: 0, host: "0.0.0.0" } });
    expect(
      parseCli(["serve", "--doc-idle-ms", "0"], { LORO_RX_DOC_IDLE_MS: "5000" }),
    ).toMatchObject({ options: { docIdleMs: 0 } });
    expect(parseCli(["serve"], { LORO_RX_DOC_IDLE_MS: "5000" })).toMatchObject({
      options: { docIdleMs: 5000 },
    });
    expect(
      parseCli(["serve", "--flush-window-ms", "0"], { LORO_RX_FLUSH_WINDOW_MS: "5" }),
    ).toMatchObject({ options: { flushWindowMs: 0 } });
    expect(parseCli(["serve", "--flush-window-ms", "60001"])).toMatchObject({ kind: "error" });
  });

  it("treats an empty environment variable as unset", () => {
    expect(parseCli(["serve"], { LORO_RX_PORT: "", PORT: "1234" })).toMatchObject({
      options: { port: 1234 },
    });
  });

  it("answers help for no command and for -h anywhere", () => {
    expect(parseCli([])).toEqual({ kind: "help" });
    expect(parseCli(["serve", "--port", "1", "-h"])).toEqual({ kind: "help" });
  });

  it.each([
    [["serve", "--port", "-1"], "--port must be a whole number"],
    [["serve", "--port"], "--port needs a value"],
    [["serve", "--port", "1.5"], "--port must be a whole number"],
    [["serve", "--host="], "--host must not be empty"],
    [["serve", "extra"], 'unexpected argument "extra"'],
  ])("%j is an error", (args, message) => {
    const parsed = parseCli(args);
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" && parsed.message).toContain(message);
  });
});

describe("formatStatus", () => {
  const idle = { peers: 2, documents: 3, framesIn: 10, framesOut: 20 };
  it("says nothing when nothing happened", () => {
    expect(formatStatus(idle, idle, 10)).toBeUndefined();
  });
  it("reports peers, documents and rates per second", () => {
    expect(formatStatus(idle, { peers: 1, documents: 3, framesIn: 30, framesOut: 25 }, 10)).toBe(
      "loro-rx hub: 1 peer, 3 documents loaded, 2.0 msg/s in, 0.5 msg/s out",
    );
  });
});

const data = (doc: LoroDoc) => ({
  type: "channel/update" as const,
  docId: "d",
  transmission: {
    type: "update" as const,
    data: doc.export({ mode: "update" }),
    version: docVersion(doc),
  },
});

const edited = (peer: bigint, text: string): LoroDoc => {
  const doc = new LoroDoc();
  doc.setPeerId(peer);
  doc.getText("t").insert(0, text);
  doc.commit();
  return doc;
};

describe("durability tracker", () => {
  const open = (backend = memoryStorage()) => {
    const tracker = createDurabilityTracker();
    let connection!: Connection;
    const sub = tracker.watch(storageTransport(backend)).subscribe((c) => {
      connection = c;
    });
    connection.incoming$.subscribe();
    return { tracker, connection, stop: () => sub.unsubscribe() };
  };

  it("makes a version durable only after a flush that began once it was handed over", async () => {
    const { tracker, connection, stop } = open();
    const doc = edited(1n, "abc");
    connection.send(data(doc));
    expect(tracker.durableVersion("d")).toEqual({});
    expect(tracker.unflushed).toBe(true);

    const ticket = tracker.beginFlush();
    doc.getText("t").insert(3, "def");
    doc.commit();
    connection.send(data(doc));
    await connection.flush!();
    ticket.commit();
    expect(tracker.durableVersion("d")).toEqual({ "1": 3 });
    expect(tracker.unflushed).toBe(true);

    const next = tracker.beginFlush();
    await connection.flush!();
    next.commit();
    expect(tracker.durableVersion("d")).toEqual({ "1": 6 });
    stop();
  });

  it("counts what storage read from disk once it is flushed", async () => {
    const backend = memoryStorage();
    const first = open(backend);
    first.connection.send(data(edited(7n, "stored")));
    await first.connection.flush!();
    first.stop();

    const { tracker, connection, stop } = open(backend);
    const replies: unknown[] = [];
    connection.incoming$.subscribe((m) => replies.push(m));
    connection.send({
      type: "channel/sync-request",
      docId: "d",
      requesterDocVersion: {},
      bidirectional: true,
    });
    await eventually("storage answered", () => replies.length === 2);
    const ticket = tracker.beginFlush();
    await connection.flush!();
    ticket.commit();
    expect(tracker.durableVersion("d")).toEqual({ "7": 6 });
    stop();
  });

  it("forgets a deleted document, even when a flush was under way", async () => {
    const { tracker, connection, stop } = open();
    connection.send(data(edited(1n, "x")));
    const ticket = tracker.beginFlush();
    connection.send({ type: "channel/delete-request", docId: "d" });
    await connection.flush!();
    ticket.commit();
    expect(tracker.durableVersion("d")).toEqual({});
    stop();
  });

  it("freezes a document whose chunk could not be saved", async () => {
    const backend = memoryStorage();
    let failing = true;
    const flaky = {
      ...backend,
      save: async (key: readonly string[], bytes: Uint8Array) => {
        if (failing) throw new Error("disk full");
        return backend.save(key, bytes);
      },
    };
    const { tracker, connection, stop } = open(flaky);
    const doc = edited(1n, "lost");
    connection.send(data(doc));
    let ticket = tracker.beginFlush();
    await connection.flush!();
    ticket.commit();
    expect(tracker.durableVersion("d")).toEqual({});
    expect(tracker.frozen.get("d")).toContain("disk full");

    failing = false;
    doc.getText("t").insert(0, "more ");
    doc.commit();
    connection.send(data(doc));
    ticket = tracker.beginFlush();
    await connection.flush!();
    ticket.commit();
    expect(tracker.durableVersion("d")).toEqual({});
    stop();
  });
});

describe("startHub", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  it("frees a document its clients left once acknowledged, and serves it again from LevelDB", async () => {
    const hub = await startHub({
      port: 0,
      dataDir: dir,
      statusIntervalMs: 0,
      heartbeatMs: 0,
      docIdleMs: 50,
    });
    const writer = createRepo({
      transports: [webSocketClient({ url: hub.url, reconnect: false, keepalive: false })],
      heartbeatMs: 0,
    });
    const doc = writer.doc("notes");
    doc.getText("t").insert(0, "kept on disk");
    doc.commit();
    await whenDurable(hub.httpUrl, "notes", docVersion(doc), { timeoutMs: 20_000 });
    const evicted = new Promise<void>((done) =>
      hub.repo.events$.subscribe((e) => {
        if (e.type === "doc-evicted" && e.docId === "notes") done();
      }),
    );
    await writer.close();
    await evicted;
    const health = await fetch(`${hub.httpUrl}/health`).then((r) => r.json());
    expect(health).toMatchObject({ documents: 0 });
    expect(hub.repo.engine.docs.get("notes")).toBeUndefined();

    const reader = createRepo({
      transports: [webSocketClient({ url: hub.url, reconnect: false, keepalive: false })],
      heartbeatMs: 0,
    });
    const copy = reader.doc("notes");
    await reader.whenSynced("notes", { timeout: 20_000 });
    await eventually(
      "the reader gets it from disk",
      () => copy.getText("t").toString() === "kept on disk",
    );
    // Acknowledgement works for the reloaded doc too: a new edit becomes durable.
    copy.getText("t").insert(0, "still ");
    copy.commit();
    expect(
      await whenDurable(hub.httpUrl, "notes", docVersion(copy), { timeoutMs: 20_000 }),
    ).toEqual(docVersion(copy));
    await reader.close();
    await hub.stop();
  });

  it("serves clients, acknowledges their edits over HTTP, and stops with 1001", async () => {
    const lines: string[] = [];
    const hub = await startHub({
      port: 0,
      dataDir: dir,
      statusIntervalMs: 100,
      heartbeatMs: 0,
      log: (line) => lines.push(line),
    });
    expect(hub.url).toBe(`ws://127.0.0.1:${hub.port}`);
    expect(hub.dataDir).toBe(dir);

    const repo = createRepo({
      transports: [webSocketClient({ url: hub.url, reconnect: false, keepalive: false })],
      heartbeatMs: 0,
    });
    const doc = repo.doc("notes");
    doc.getText("t").insert(0, "hello");
    doc.commit();
    const durable = await whenDurable(hub.httpUrl, "notes", docVersion(doc), { timeoutMs: 20_000 });
    expect(durable).toEqual(docVersion(doc));
    expect(hub.durableVersion("notes")).toEqual(docVersion(doc));

    const health = await fetch(`${hub.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", peers: 1, documents: 1 });
    expect(
      await fetch(`${hub.httpUrl}/docs/unknown/durable-version`).then((r) => r.json()),
    ).toEqual({});
    expect((await fetch(`${hub.httpUrl}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${hub.httpUrl}/health`, { method: "POST" })).status).toBe(405);
    await eventually("a status line", () => lines.some((l) => l.includes("1 peer, 1 document")));

    // A second hub on the same directory fails before taking any port.
    await expect(startHub({ port: 0, dataDir: dir })).rejects.toBeInstanceOf(HubDataLockedError);

    const raw = new WebSocket(hub.url);
    await once(raw, "open");
    const closed = once(raw, "close");
    await hub.stop();
    const [code] = (await closed) as [number, Buffer];
    expect(code).toBe(1001);
    await expect(fetch(`${hub.httpUrl}/health`)).rejects.toThrow();
    await repo.close();

    // Everything it acknowledged is there for the next hub.
    const again = await startHub({ port: 0, dataDir: dir, statusIntervalMs: 0, log: () => {} });
    const reader = createRepo({
      transports: [webSocketClient({ url: again.url, reconnect: false, keepalive: false })],
      heartbeatMs: 0,
    });
    const copy = reader.doc("notes");
    await reader.whenSynced("notes", { timeout: 20_000 });
    expect(copy.getText("t").toString()).toBe("hello");
    await reader.close();
    await again.stop();
  });
});
