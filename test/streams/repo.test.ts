import { createRepo } from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { eventually, text } from "./helpers.js";

describe("two repos in one process", () => {
  const setup = () => {
    const net = createInProcessNetwork();
    const alice = createRepo({
      identity: { peerId: "1", name: "alice" },
      transports: [net.peer("alice")],
      heartbeatMs: 0,
    });
    const bob = createRepo({
      identity: { peerId: "2", name: "bob" },
      transports: [net.peer("bob")],
      heartbeatMs: 0,
    });
    return { net, alice, bob };
  };

  it("sync a document created on one side, then live edits both ways", async () => {
    const { net, alice, bob } = setup();
    const a = alice.doc("todos");
    a.getText("text").insert(0, "hello");
    a.commit();
    const b = bob.doc("todos");
    await bob.whenSynced("todos", { timeout: 5_000 });
    await eventually("bob sees alice's text", () => text(b) === "hello");

    b.getText("text").insert(5, " world");
    b.commit();
    await eventually("alice sees bob's edit", () => text(a) === "hello world");

    await alice.close();
    await bob.close();
    net.close();
  });

  it("a document only alice has reaches bob through discovery (new-doc)", async () => {
    const { net, alice, bob } = setup();
    await eventually("connected", () => net.isConnected("alice", "bob"));
    await eventually("handshake done", () => bob.engine.readyStates("x").length === 1);
    const a = alice.doc("x");
    a.getText("text").insert(0, "announced");
    a.commit();
    await eventually("bob has x", () => bob.has("x") && text(bob.doc("x")) === "announced");
    await alice.close();
    await bob.close();
    net.close();
  });
});
