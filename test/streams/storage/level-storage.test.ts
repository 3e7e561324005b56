/**
 * The storage peer on disk: restarts, deletion across restarts, the directory lock, clean
 * shutdown, and a whole node (createRepo) reloading its documents from a directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createRepo } from "../../../streams/index.js";
import {
  levelStorage,
  levelStorageTransport,
  StorageLockedError,
} from "../../../streams/storage/level-storage.js";
import { storageTransport } from "../../../streams/storage/storage-transport.js";
import type { Connection } from "../../../streams/transport.js";
import { CountingScheduler, ownedLeft } from "../../owned-resources.js";
import { text } from "../helpers.js";
import {
  connect,
  docWith,
  edit,
  eventually,
  full,
  syncRequest,
  tempDir,
  textOf,
  update,
  versionOf,
} from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe("level storage transport", () => {
  it("serves what it stored after a restart on the same directory", async () => {
    const first = levelStorageTransport({ dir });
    const peer = await connect(first);
    expect(peer.connection.adapterType).toBe("level-storage");
    const doc = docWith(1n, "persisted");
    peer.send(update("d", full(doc)), update("d", edit(doc, " twice")));
    await peer.stop();

    const peer2 = await connect(levelStorageTransport({ dir }));
    peer2.send(syncRequest("d"), syncRequest("d", versionOf(doc)));
    const replies = await peer2.next(4);
    expect(textOf(replies[0])).toBe("persisted twice");
    expect(replies[2]).toMatchObject({
      transmission: { type: "up-to-date", version: versionOf(doc) },
    });
    await peer2.stop();
  });

  it("a deleted document is gone for the next instance", async () => {
    const peer = await connect(levelStorageTransport({ dir }));
    peer.send(update("doc", full(docWith(1n, "x"))), update("doc2", full(docWith(2n, "y"))));
    peer.send({ type: "channel/delete-request", docId: "doc" });
    expect(await peer.next(1)).toEqual([
      { type: "channel/delete-response", docId: "doc", status: "deleted" },
    ]);
    await peer.stop();

    const backend = await levelStorage({ dir });
    expect((await backend.loadRange([])).map((e) => e.key[0])).toEqual(["doc2"]);
    await backend.close();
  });

  it("the same transport can be subscribed again after it was unsubscribed", async () => {
    const transport = levelStorageTransport({ dir });
    const peer = await connect(transport);
    peer.send(update("d", full(docWith(1n, "again"))));
    await peer.stop();
    const peer2 = await connect(transport);
    peer2.send(syncRequest("d"));
    expect(textOf((await peer2.next(2))[0])).toBe("again");
    await peer2.stop();
  });

  it("unsubscribing lets accepted saves finish, then closes the database and its lock", async () => {
    // The storage code's only resources are its clock and the database: nothing may be left
    // scheduled, and the database's lock must be free (checked by opening it again below).
    const scheduler = new CountingScheduler();
    const transport = levelStorageTransport({ dir, scheduler });
    const peer = await connect(transport);
    const doc = docWith(1n, "a");
    peer.send(update("d", full(doc)));
    for (let i = 0; i < 200; i++) peer.send(update("d", edit(doc, ".")));
    await peer.stop();
    await transport.whenClosed();
    expect(ownedLeft(scheduler)).toEqual({ timers: 0, sockets: 0 });
    // The lock is released: the directory opens again, with every save in it.
    const backend = await levelStorage({ dir });
    expect((await backend.loadRange(["d"])).length).toBeGreaterThan(0);
    await backend.close();
    const check = await connect(levelStorageTransport({ dir }));
    check.send(syncRequest("d"));
    expect(textOf((await check.next(2))[0])).toBe(doc.getText("text").toString());
    await check.stop();
  });

  it("whenClosed() resolves at once when never subscribed", async () => {
    await levelStorageTransport({ dir }).whenClosed();
  });
});

describe("the directory lock", () => {
  it("a second open in this process fails at once with LEVEL_LOCKED naming the directory", async () => {
    const backend = await levelStorage({ dir });
    const error = await levelStorage({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageLockedError);
    expect(error).toMatchObject({ code: "LEVEL_LOCKED", dir });
    expect(String((error as Error).message)).toContain(dir);

    // A transport on a locked directory errors with the same error.
    const failed = new Promise<unknown>((resolve) =>
      levelStorageTransport({ dir }).subscribe({ error: resolve }),
    );
    expect(await failed).toBeInstanceOf(StorageLockedError);

    await backend.close();
    const reopened = await levelStorage({ dir });
    await reopened.close();
  });

  it("a directory held by another process fails at once", async () => {
    const holder = `
      const { ClassicLevel } = require(${JSON.stringify(join(process.cwd(), "node_modules/classic-level"))});
      const db = new ClassicLevel(process.argv[1]);
      db.open().then(() => {
        process.stdout.write("ready\\n");
        process.stdin.on("end", () => db.close().then(() => process.exit(0)));
        process.stdin.resume();
      });
    `;
    const child: ChildProcess = spawn(process.execPath, ["-e", holder, dir], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    try {
      let out = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      await eventually("the other process holds the directory", () => out.includes("ready"));
      const started = Date.now();
      const error = await levelStorage({ dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageLockedError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      child.stdin?.end();
      if (child.exitCode === null) await once(child, "exit");
    }
    const backend = await levelStorage({ dir });
    await backend.close();
  });
});

describe("a node on level storage", () => {
  it("reloads its documents after a restart", async () => {
    const transport = levelStorageTransport({ dir });
    const repo = createRepo({ identity: { peerId: "1" }, transports: [transport], heartbeatMs: 0 });
    const doc = repo.doc("notes");
    doc.getText("text").insert(0, "written before the restart");
    doc.commit();
    await repo.whenSynced("notes", { kind: "storage", timeout: 5_000 });
    await repo.flush();
    await repo.close();
    await transport.whenClosed();

    const transport2 = levelStorageTransport({ dir });
    const repo2 = createRepo({
      identity: { peerId: "2" },
      transports: [transport2],
      heartbeatMs: 0,
    });
    const loaded = repo2.doc("notes");
    await repo2.whenSynced("notes", { kind: "storage", timeout: 5_000 });
    await eventually("the text is loaded", () => text(loaded) === "written before the restart");
    await repo2.close();
    await transport2.whenClosed();
  });

  it("a borrowed backend stays open after the node closes", async () => {
    const backend = await levelStorage({ dir });
    const transport = storageTransport(backend);
    let connection: Connection | undefined;
    const sub = transport.subscribe((c) => {
      connection = c;
    });
    expect(connection?.kind).toBe("storage");
    sub.unsubscribe();
    await transport.whenClosed();
    await backend.save(["still", "open"], Uint8Array.of(1));
    await backend.close();
  });
});
