/**
 * A hub in a cluster releases documents its clients left (issue 14 builds on issue 12's
 * eviction): it stops following their streams, and when a client asks again it reloads the
 * document from PostgreSQL, with every edit other hubs made meanwhile, and follows it again.
 * Hubs are child processes of the built CLI, with real Redis and PostgreSQL.
 */
import { randomBytes } from "node:crypto";
import { eventually, missing, writeEdit } from "../hub/hub-process.js";
import { clusterClient, health, until, useCluster } from "./cluster-process.js";

const cluster = useCluster();

describe("eviction on a cluster hub", () => {
  it("frees a document its clients left, and reloads it with what other hubs wrote meanwhile", async () => {
    const idle = ["--doc-idle-ms", "200"];
    const [a, b] = await cluster.hubs(2, idle);
    const docId = `evicted-${randomBytes(4).toString("hex")}`;
    const first = clusterClient([a!.url]);
    const doc = first.repo.doc(docId);
    const written = writeEdit(doc, docId, "on-a", 1);
    const other = clusterClient([b!.url]);
    const copy = other.repo.doc(docId);
    await eventually("B's client gets A's edit", () => missing(copy, [written]).length === 0);

    // A's only client leaves: A frees the document (its /health count drops to zero).
    await first.repo.close();
    await until("A evicted it", async () => (await health(a!.httpUrl)).documents === 0);

    // Meanwhile an edit on B; A no longer follows the stream, so it is not read there now.
    const later = writeEdit(copy, docId, "on-b", 2);
    const back = clusterClient([a!.url]);
    const reloaded = back.repo.doc(docId);
    await eventually(
      "a new client of A gets both edits from the reloaded document",
      () => missing(reloaded, [written, later]).length === 0,
    );
    // And A follows the stream again: a live edit on B crosses.
    const live = writeEdit(copy, docId, "live", 3);
    await eventually(
      "a live edit reaches A's client",
      () => missing(reloaded, [live]).length === 0,
    );
  }, 60_000);
});
