import { type Command, type Input, init, type Model, update } from "../../src/program/index.js";

const alice = { peerId: "1", name: "alice", type: "user" as const };
const bob = { peerId: "2", name: "bob", type: "user" as const };

const fold = (model: Model, inputs: Input[]): [Model, Command[]] => {
  const all: Command[] = [];
  for (const input of inputs) {
    const [next, commands] = update(model, input);
    model = next;
    all.push(...commands);
  }
  return [model, all];
};

describe("a handshake between two pure nodes", () => {
  it("the responder answers establish-request and offers its docs", () => {
    let server = init({ identity: alice });
    [server] = fold(server, [
      { type: "doc-ensure", docId: "d" },
      { type: "local-doc-change", docId: "d", version: { "1": 3 } },
      { type: "channel-added", channelId: 1, kind: "network", adapterType: "test" },
    ]);
    const [, commands] = update(server, {
      type: "message-received",
      channelId: 1,
      message: { type: "channel/establish-request", identity: bob },
    });
    expect(commands).toEqual([
      {
        type: "send-establishment",
        channelId: 1,
        message: { type: "channel/establish-response", identity: alice },
      },
      {
        type: "send",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: { "1": 3 },
          bidirectional: true,
        },
      },
      { type: "broadcast-presence-batch", channelId: 1, docIds: ["d"], hops: 1 },
    ]);
  });
});
