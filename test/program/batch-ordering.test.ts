/**
 * Spec §5.3.3 (a received batch updates the model atomically) and §5.3.4 (responses are built
 * late): the program returns the model after ALL inner messages, and one command list in inner
 * order, so the engine runs no effect of the batch before every inner message has been applied.
 */
import { readyStates, update } from "../../src/program/index.js";
import {
  alice,
  BYTES,
  connect,
  docImported,
  fold,
  json,
  node,
  peerDoc,
  received,
  self,
  snapshot,
  syncRequest,
  syncResponse,
  withDoc,
} from "./helpers.js";

/** C has opened `x` and asked S (here: alice, on channel 1) for it (flow §7.3). */
const client = () => connect(withDoc(node(), "x"), 1, alice, { role: "initiator" });

describe("5.3.3 batches update the model atomically", () => {
  it("5.3.3 [sync-response(snapshot), sync-request]: every model change first, then the commands in order — import, then send-sync-response", () => {
    const before = client();
    const [after, commands] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [
          { type: "channel/sync-response", docId: "x", transmission: snapshot({ "1": 1 }) },
          {
            type: "channel/sync-request",
            docId: "x",
            requesterDocVersion: {},
            bidirectional: false,
          },
        ],
      }),
    );
    expect(commands).toEqual([
      { type: "import", docId: "x", data: BYTES, fromPeerId: "1", channelId: 1 },
      {
        type: "send-sync-response",
        channelId: 1,
        docId: "x",
        requesterVersion: {},
        withPresence: true,
      },
    ]);
    // The request's model change (subscription, pending) is already in the returned model,
    // although the import before it in the batch has not run yet.
    expect(peerDoc(after, alice, "x")).toEqual({
      subscribed: true,
      status: "pending",
      version: {},
      epoch: 1,
    });
  });

  it("5.3.3 the batch's result equals its inner messages one by one: same model, commands concatenated", () => {
    const before = client();
    const first = syncResponse("x", snapshot({ "1": 1 }));
    const second = syncRequest("x", { "1": 1 }, true);
    const [batchModel, batchCommands] = update(
      before,
      received(1, { type: "channel/batch", messages: [first, second] }),
    );
    const [oneByOne, commands] = fold(before, [received(1, first), received(1, second)]);
    expect(batchCommands).toEqual(commands);
    expect(json(batchModel)).toEqual(json(oneByOne));
  });

  it("5.3.3 then the import's feedback, handled before anything queued (5.3.2), makes the sender synced; the response is built after it (5.3.4)", () => {
    const before = client();
    const [afterBatch] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [
          { type: "channel/sync-response", docId: "x", transmission: snapshot({ "1": 1 }) },
          {
            type: "channel/sync-request",
            docId: "x",
            requesterDocVersion: {},
            bidirectional: false,
          },
        ],
      }),
    );
    expect(readyStates(afterBatch, "x")[1]?.status).toBe("pending");
    // The engine runs `import`, which feeds doc-imported at once.
    const [afterImport, feedback] = update(afterBatch, docImported("x", alice, 1, { "1": 1 }));
    expect(feedback).toEqual([]);
    expect(peerDoc(afterImport, alice, "x")).toEqual({
      subscribed: true,
      status: "synced",
      version: { "1": 1 },
      epoch: 1,
    });
    expect(readyStates(afterImport, "x")).toEqual([
      { docId: "x", identity: self, channels: [], status: "synced" },
      {
        docId: "x",
        identity: alice,
        channels: [{ kind: "network", adapterType: "test", state: "established" }],
        status: "synced",
      },
    ]);
  });

  it("5.3.3 inner order is kept: [sync-request, sync-response] gives send-sync-response before import", () => {
    const before = client();
    const [, commands] = update(
      before,
      received(1, {
        type: "channel/batch",
        messages: [
          {
            type: "channel/sync-request",
            docId: "x",
            requesterDocVersion: {},
            bidirectional: false,
          },
          { type: "channel/sync-response", docId: "x", transmission: snapshot({ "1": 1 }) },
        ],
      }),
    );
    expect(commands.map((c) => c.type)).toEqual(["send-sync-response", "import"]);
  });
});
