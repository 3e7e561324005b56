/**
 * The doc registry's two ways in (streams/ports/doc-registry.ts): docs the engine only syncs
 * are not watched for local commits (loro-crdt keeps native memory per watched doc for good);
 * a doc handed to application code is, from that moment, however it got there.
 */
import { createDocRegistry } from "../../streams/engine/doc-registry.js";
import { createRepo } from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { eventually, text } from "./helpers.js";

describe("doc registry", () => {
  it("load and peek do not watch; get and ensure do, from then on", () => {
    const committed: string[] = [];
    const registry = createDocRegistry("7", (docId) => committed.push(docId));
    const loaded = registry.load("a");
    loaded.getText("text").insert(0, "unseen");
    loaded.commit();
    expect(registry.peek("a")).toBe(loaded);
    expect(committed).toEqual([]);
    expect(registry.get("a")).toBe(loaded); // handed out: watched
    loaded.getText("text").insert(0, "seen ");
    loaded.commit();
    expect(committed).toEqual(["a"]);
    const ensured = registry.ensure("b");
    ensured.getText("text").insert(0, "x");
    ensured.commit();
    expect(committed).toEqual(["a", "b"]);
    registry.dispose();
  });

  it("a doc that arrived from a peer and is first touched through engine.docs.get syncs its edits", async () => {
    const net = createInProcessNetwork();
    const alice = createRepo({
      identity: { peerId: "1" },
      transports: [net.peer("a")],
      heartbeatMs: 0,
    });
    const bob = createRepo({
      identity: { peerId: "2" },
      transports: [net.peer("b")],
      heartbeatMs: 0,
    });
    const a = alice.doc("x");
    a.getText("text").insert(0, "from alice");
    a.commit();
    // Bob's engine holds "x" only because the peer announced it: nothing of bob's app opened it.
    await eventually("bob's engine has x", () => bob.engine.docs.peek("x") !== undefined);
    const b = bob.engine.docs.get("x");
    if (b === undefined) throw new Error("x vanished");
    await eventually("bob has alice's text", () => text(b) === "from alice");
    b.getText("text").insert(0, "bob: ");
    b.commit();
    await eventually("alice sees bob's edit", () => text(a) === "bob: from alice");
    await alice.close();
    await bob.close();
    net.close();
  });
});
