/**
 * The resume extension (docs/RESUME.md) over real WebSockets: a client holding 1,000 documents
 * loses its connection to the hub while the hub changes 10 of them; on reconnecting, only those
 * 10 travel (W5 of bench/WORKLOADS.md, end to end).
 */
import { firstValueFrom, map, type Observable } from "rxjs";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { type Connection, createRepo, type Transport } from "../../../streams/index.js";
import { webSocketClient, webSocketServer } from "../../../streams/node.js";
import { eventually, text } from "../helpers.js";

const N = 1000;
const ids = Array.from({ length: N }, (_, i) => `doc-${String(i).padStart(4, "0")}`);
const changed = ids.filter((_, i) => i % 100 === 7);

/** The hub's transport, remembering its server-side connections so the test can cut them. */
const cuttable = (inner: Transport) => {
  const live = new Set<Connection>();
  const transport: Transport = inner.pipe(
    map((connection) => {
      live.add(connection);
      return connection;
    }),
  );
  return {
    transport,
    cut: () => {
      for (const c of live) c.close();
      live.clear();
    },
  };
};

/** Every message (batches opened) the repo received over the network, by type. */
const countMessages = (inputs$: Observable<{ type: string; message?: ChannelMsg }>) => {
  const seen: ChannelMsg[] = [];
  inputs$.subscribe((input) => {
    if (input.type !== "message-received" || input.message === undefined) return;
    const m = input.message;
    if (m.type === "channel/batch") seen.push(...m.messages);
    else seen.push(m);
  });
  return seen;
};

describe("resume over real WebSockets", () => {
  it("reconnecting after the hub changed 10 of 1,000 documents moves only those 10", async () => {
    const server = webSocketServer({ host: "127.0.0.1", port: 0 });
    const link = cuttable(server);
    const hub = createRepo({
      identity: { peerId: "100", name: "hub" },
      transports: [link.transport],
    });
    const address = await firstValueFrom(server.listening$);
    for (const id of ids) {
      const doc = hub.doc(id);
      doc.getText("text").insert(0, id);
      doc.commit();
    }
    const client = createRepo({
      identity: { peerId: "1" },
      transports: [
        webSocketClient({
          url: `ws://127.0.0.1:${address.port}`,
          reconnect: { baseDelayMs: 20, jitterMs: 10, maxDelayMs: 50 },
        }),
      ],
    });
    await eventually(
      "the client holds every document",
      () => ids.every((id) => client.has(id) && text(client.doc(id)) === id),
      60_000,
    );
    // Let the handshake's last answers settle before cutting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    link.cut();
    await eventually("the hub saw the client go", () => hub.engine.model().channels.size === 0);
    for (const id of changed) {
      const doc = hub.doc(id);
      doc.getText("text").insert(0, "changed ");
      doc.commit();
    }
    const atHub = countMessages(hub.inputs$);
    const atClient = countMessages(client.inputs$);
    await eventually(
      "the client has every change",
      () => changed.every((id) => text(client.doc(id)) === `changed ${id}`),
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const response = atClient.find((m) => m.type === "channel/establish-response");
    expect(response?.type === "channel/establish-response" && response.resume?.accepted).toBe(true);
    // Offers and answers name only the changed documents; a full handshake would name all 1,000.
    const named = new Set([...atHub, ...atClient].flatMap((m) => ("docId" in m ? [m.docId] : [])));
    expect([...named].sort()).toEqual(changed);
    // establish-request + response, and per changed doc: offer, answer + reciprocal request,
    // answer.
    expect(atHub.length + atClient.length).toBe(2 + 4 * changed.length);
    for (const id of ids) expect(text(client.doc(id))).toBe(text(hub.doc(id)));
    await client.close();
    await hub.close();
  }, 120_000);
});
