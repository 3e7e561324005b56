/**
 * Each of these was reproduced with one frame on a fresh hub (issue 12, item 3): the bytes go
 * over a real socket into a repo's engine, and the engine must report a typed error and change
 * nothing. Every negative check waits first for a positive marker: a later directory-request on
 * the same socket is answered, so anything the bad frame caused has happened by then.
 */
import { encode } from "cborg";
import { LoroDoc } from "loro-crdt";
import { firstValueFrom } from "rxjs";
import { getPeer } from "../../../src/program/index.js";
import { pmapValues } from "../../../src/program/pmap.js";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import { decodeFrameV2, encodeFrameV2 } from "../../../src/protocol/wire/index.js";
import { createRepo, type Repo } from "../../../streams/index.js";
import { webSocketServer } from "../../../streams/node.js";
import type { EngineEvent } from "../../../streams/ports/events.js";
import { eventually } from "../helpers.js";
import { type RawClient, rawClient } from "./helpers.js";

interface Hub {
  readonly repo: Repo;
  readonly url: string;
  readonly events: EngineEvent[];
}

const hubs: Hub[] = [];
const clients: RawClient[] = [];

const startHub = async (): Promise<Hub> => {
  const server = webSocketServer({ host: "127.0.0.1", port: 0 });
  const repo = createRepo({
    identity: { peerId: "100", name: "hub" },
    transports: [server],
    heartbeatMs: 0,
  });
  const events: EngineEvent[] = [];
  repo.events$.subscribe((e) => events.push(e));
  const address = await firstValueFrom(server.listening$);
  const hub = { repo, url: `ws://127.0.0.1:${address.port}`, events };
  hubs.push(hub);
  return hub;
};

const connect = async (hub: Hub): Promise<RawClient> => {
  const client = await rawClient(hub.url);
  clients.push(client);
  return client;
};

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const h of hubs.splice(0)) await h.repo.close();
});

/** A complete version-2 transport payload: 00 ‖ header ‖ CBOR. */
const payloadOf = (cbor: Uint8Array, flags = 0): Uint8Array => {
  const out = new Uint8Array(7 + cbor.length);
  out[1] = 2;
  out[2] = flags;
  new DataView(out.buffer).setUint32(3, cbor.length);
  out.set(cbor, 7);
  return out;
};

const sendMessage = (client: RawClient, message: ChannelMsg): void => {
  const frame = encodeFrameV2(message);
  if (frame._tag === "Left") throw new Error(frame.left.message);
  const out = new Uint8Array(frame.right.length + 1);
  out.set(frame.right, 1);
  client.ws.send(out);
};

/** Replaces the bytes of `marker` (ASCII) in an encoding with `bytes` of the same length. */
const patch = (cbor: Uint8Array, marker: string, bytes: readonly number[]): Uint8Array => {
  const needle = Buffer.from(marker);
  const at = Buffer.from(cbor).indexOf(needle);
  if (at < 0 || needle.length !== bytes.length) throw new Error("marker not found");
  const out = Uint8Array.from(cbor);
  out.set(bytes, at);
  return out;
};

/** Everything the hub sent this client, decoded, in order. */
const received = (client: RawClient): ChannelMsg[] =>
  client.binaries.flatMap((bytes) => {
    const decoded = decodeFrameV2(bytes.subarray(1));
    if (decoded._tag === "Left") throw new Error(decoded.left.message);
    return decoded.right as ChannelMsg[];
  });

const identityRequest = (peerId: string): ChannelMsg => ({
  type: "channel/establish-request",
  identity: { peerId, type: "user" },
});

/**
 * Establishes the socket as peer "2" (unless asked not to) and asks for the directory; resolves
 * with everything received once the directory-response arrived.
 */
const marker = async (client: RawClient, establish = true): Promise<ChannelMsg[]> => {
  if (establish) sendMessage(client, identityRequest("2"));
  sendMessage(client, { type: "channel/directory-request" });
  await eventually("the directory-response marker", () =>
    received(client).some((m) => m.type === "channel/directory-response"),
  );
  return received(client);
};

const establishResponses = (messages: readonly ChannelMsg[]) =>
  messages.filter((m) => m.type === "channel/establish-response").length;

const wasReported = (hub: Hub, predicate: (e: EngineEvent) => boolean) =>
  eventually("a typed error event", () => hub.events.some(predicate));

describe("a strict handshake, through a real socket into the engine", () => {
  it("an establish-request inside a BATCH-flag frame does not establish the channel", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    const request = encode({ t: 0x01, id: "666", y: "user" });
    const batch = new Uint8Array(request.length + 1);
    batch[0] = 0x81;
    batch.set(request, 1);
    client.ws.send(payloadOf(batch, 1));
    await wasReported(
      hub,
      (e) => e.type === "transport-problem" && e.problem.code === "invalid_type",
    );
    const messages = await marker(client);
    // Only the marker's own handshake was answered.
    expect(establishResponses(messages)).toBe(1);
    expect(getPeer(hub.repo.engine.model(), "666")).toBeUndefined();
    expect(getPeer(hub.repo.engine.model(), "2")).toBeDefined();
  });

  it("an establish-request whose identity type is CBOR null does not establish it", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    client.ws.send(payloadOf(encode({ t: 0x01, id: "666", y: null })));
    await wasReported(
      hub,
      (e) => e.type === "invalid-message" && e.error.message.includes("identity.type"),
    );
    const messages = await marker(client);
    expect(establishResponses(messages)).toBe(1);
    expect(getPeer(hub.repo.engine.model(), "666")).toBeUndefined();
  });

  it("an establish-response sent to the side that never asked does not establish it", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    sendMessage(client, {
      type: "channel/establish-response",
      identity: { peerId: "666", type: "user" },
    });
    await wasReported(
      hub,
      (e) =>
        e.type === "message-dropped" &&
        e.messageType === "channel/establish-response" &&
        e.reason === "invalid-in-state",
    );
    // Not established: a directory-request on it is dropped, not answered.
    sendMessage(client, { type: "channel/directory-request" });
    await wasReported(
      hub,
      (e) =>
        e.type === "message-dropped" &&
        e.messageType === "channel/directory-request" &&
        e.reason === "not-established",
    );
    const messages = await marker(client);
    expect(establishResponses(messages)).toBe(1);
    expect(messages.filter((m) => m.type === "channel/directory-response")).toHaveLength(1);
    expect(getPeer(hub.repo.engine.model(), "666")).toBeUndefined();
  });

  it("a docId that is not valid UTF-8 is rejected, not read with U+FFFD", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    await marker(client);
    // "a" then a lone continuation byte; with substitution it named the document "a\uFFFD".
    const request = encode({ t: 0x10, doc: "a@", v: Uint8Array.of(0), bi: true });
    client.ws.send(payloadOf(patch(request, "a@", [0x61, 0x80])));
    await wasReported(
      hub,
      (e) => e.type === "transport-problem" && e.problem.code === "invalid_cbor",
    );
    const before = received(client).length;
    sendMessage(client, { type: "channel/directory-request" });
    await eventually("the second directory-response", () =>
      received(client)
        .slice(before)
        .some((m) => m.type === "channel/directory-response"),
    );
    expect(hub.repo.engine.model().documents.size).toBe(0);
    expect(hub.repo.has("a\uFFFD")).toBe(false);
  });

  it("a sync-request whose version vector is a CBOR map creates no document", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    await marker(client);
    client.ws.send(payloadOf(encode({ t: 0x10, doc: "junk", v: {}, bi: true })));
    await wasReported(
      hub,
      (e) => e.type === "transport-problem" && e.problem.code === "invalid_cbor",
    );
    // A valid request right after it, for another doc, is served: the channel is fine.
    sendMessage(client, {
      type: "channel/sync-request",
      docId: "real",
      requesterDocVersion: {},
      bidirectional: false,
    });
    await eventually("the valid request is answered", () =>
      received(client).some((m) => m.type === "channel/sync-response" && m.docId === "real"),
    );
    expect(hub.repo.has("junk")).toBe(false);
    expect(pmapValues(hub.repo.engine.model().documents).map((d) => d.docId)).toEqual(["real"]);
  });

  it("a transmission kind written as its name creates no document (found by the fuzz tool)", async () => {
    const hub = await startHub();
    const client = await connect(hub);
    await marker(client);
    const snapshot = new LoroDoc();
    snapshot.getText("t").insert(0, "junk");
    const tx = { k: "snapshot", d: snapshot.export({ mode: "snapshot" }), v: Uint8Array.of(0) };
    client.ws.send(payloadOf(encode({ t: 0x11, doc: "junk", tx })));
    await wasReported(hub, (e) => e.type === "invalid-message");
    sendMessage(client, {
      type: "channel/sync-request",
      docId: "real",
      requesterDocVersion: {},
      bidirectional: false,
    });
    await eventually("the valid request is answered", () =>
      received(client).some((m) => m.type === "channel/sync-response" && m.docId === "real"),
    );
    expect(hub.repo.has("junk")).toBe(false);
  });
});
