/**
 * A hub that stays connected to Redis but falls behind reading a document's stream, for longer
 * than the other hubs' `--trim-grace-ms`: they trim entries it has not read yet (PostgreSQL holds
 * them). It must still end with every edit, without a restart and without losing its connection:
 * the bus notices that entries past its read position were trimmed and catches that document up
 * from PostgreSQL. Hubs are child processes of the built CLI; "falls behind" is SIGSTOP.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { fetchDurableVersion } from "../../../streams/node.js";
import { type Edit, eventually, isAcked, missing, writeEdit } from "../hub/hub-process.js";
import { clusterClient, health, sharedRedisUrl, until, useCluster } from "./cluster-process.js";

const cluster = useCluster();

describe("a hub that falls behind reading a stream past the trim grace", () => {
  it("gets every edit once it runs again: no restart, no reconnect, entries trimmed before it read them", async () => {
    const grace = ["--trim-grace-ms", "300"];
    const [a, b] = await cluster.hubs(2, grace);
    const docId = `lagging-${randomBytes(4).toString("hex")}`;
    const writer = clusterClient([a!.url]);
    const reader = clusterClient([b!.url]);
    await writer.repo.whenSynced(docId, { timeout: 20_000 });
    await reader.repo.whenSynced(docId, { timeout: 20_000 });
    const doc = writer.repo.doc(docId);
    const copy = reader.repo.doc(docId);
    // B follows the stream: a live edit crosses.
    const first = writeEdit(doc, docId, "before", 0);
    await eventually(
      "the first edit reaches B's client",
      () => missing(copy, [first]).length === 0,
    );
    const before = (await health(b!.httpUrl)).cluster!;
    expect(before.connected).toBe(true);

    const redis = new Redis(sharedRedisUrl());
    const edits: Edit[] = [];
    b!.child.kill("SIGSTOP");
    try {
      for (let i = 0; i < 10; i++) {
        edits.push(writeEdit(doc, docId, `while-stopped-${i}`, i));
        await sleep(10);
      }
      // A acknowledges them (PostgreSQL and the stream), then trims them: B never read them.
      await until("A acknowledges every edit", async () => {
        const durable = await fetchDurableVersion(a!.httpUrl, docId);
        return edits.every((e) => isAcked(e, durable));
      });
      await until(
        "A trims the stream past them",
        async () => (await redis.xlen(`loro-rx:s:${docId}`)) === 0,
      );
    } finally {
      b!.child.kill("SIGCONT");
      redis.disconnect();
    }
    const resumed = Date.now();

    await eventually(
      "B's client has every edit made while B was stopped",
      () => missing(copy, edits).length === 0,
      20_000,
    );
    console.log(`B's client had every edit ${Date.now() - resumed} ms after SIGCONT`);
    // The same process, and the same bus connection: no reconnect resync did this, B's bus
    // noticed the trimmed entries and caught the document up.
    expect(b!.child.exitCode).toBeNull();
    const after = (await health(b!.httpUrl)).cluster!;
    expect({ connected: after.connected, losses: after.counters.losses }).toEqual({
      connected: true,
      losses: before.counters.losses,
    });
    expect(after.counters.gapsCaughtUp).toBeGreaterThan(before.counters.gapsCaughtUp ?? 0);
    // And live edits keep crossing afterwards.
    const live = writeEdit(doc, docId, "after", 1);
    await eventually("a later edit reaches B's client", () => missing(copy, [live]).length === 0);
  }, 60_000);
});
