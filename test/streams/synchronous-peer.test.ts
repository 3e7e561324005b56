/**
 * A connection whose peer answers inside `send` on a hot `incoming$` (the cluster bus does: it is
 * an in-process peer, not a socket). The engine subscribes to a connection's frames before it
 * handles `channel-added`, so the answer to our establish-request is not lost, and it is still
 * handled after `channel-added`. Without that the bus never established and no hub published an
 * edit to Redis (found by the cluster tests after the engine became one pipeline).
 */
import { LoroDoc } from "loro-crdt";
import { Observable, Subject } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import { createRepo, type Repo } from "../../streams/index.js";
import type { Connection, Transport } from "../../streams/transport.js";
import { eventually } from "./helpers.js";

/** A peer that holds one doc and answers every message synchronously, from inside `send`. */
const synchronousPeer = (sent: ChannelMsg[]): Transport =>
  new Observable<Connection>((subscriber) => {
    const incoming = new Subject<unknown>();
    const remote = new LoroDoc();
    remote.getText("t").insert(0, "from the synchronous peer");
    remote.commit();
    const connection: Connection = {
      kind: "network",
      adapterType: "synchronous-test-peer",
      initiator: true,
      incoming$: incoming.asObservable(),
      send(message) {
        sent.push(message);
        const inner = message.type === "channel/batch" ? message.messages : [message];
        for (const m of inner) {
          if (m.type === "channel/establish-request") {
            incoming.next({
              type: "channel/establish-response",
              identity: { peerId: "77", name: "sync-peer", type: "service" },
            });
          } else if (m.type === "channel/sync-request" && m.docId === "d") {
            incoming.next({
              type: "channel/sync-response",
              docId: "d",
              transmission: {
                type: "snapshot",
                data: remote.export({ mode: "snapshot" }),
                version: Object.fromEntries(remote.oplogVersion().toJSON()),
              },
            });
          }
        }
      },
      close: () => incoming.complete(),
    };
    subscriber.next(connection);
    return () => incoming.complete();
  });

let repo: Repo | undefined;
afterEach(async () => {
  await repo?.close();
});

test("an answer sent from inside send() is handled after channel-added, and establishes", async () => {
  const sent: ChannelMsg[] = [];
  repo = createRepo({ identity: { peerId: "1" }, transports: [synchronousPeer(sent)] });
  const doc = repo.doc("d");
  await eventually(
    "the peer's doc arrived (so the channel was established)",
    () => doc.getText("t").toString() === "from the synchronous peer",
    5_000,
  );
  expect(sent.some((m) => m.type === "channel/establish-request")).toBe(true);
  expect(doc.getText("t").toString()).toBe("from the synchronous peer");
});
