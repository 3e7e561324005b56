/** The README's quick start, as written there, runs. */
import { createRepo, type ReadyState } from "../streams/index.js";
import { createInProcessNetwork } from "../streams/testing/index.js";
import { eventually } from "./streams/helpers.js";

describe("README quick start", () => {
  it("two repos in one process sync a document", async () => {
    const net = createInProcessNetwork();
    const alice = createRepo({ identity: { name: "alice" }, transports: [net.peer("alice")] });
    const bob = createRepo({ identity: { name: "bob" }, transports: [net.peer("bob")] });

    const todos = alice.doc("todos");
    todos.getText("text").insert(0, "buy milk");
    todos.commit();

    const copy = bob.doc("todos");
    await bob.whenSynced("todos");
    const seen: (readonly ReadyState[])[] = [];
    const sub = bob.readyStates$("todos").subscribe((states) => seen.push(states));
    await eventually("bob has alice's text", () => copy.getText("text").toString() === "buy milk");
    expect(seen[0]?.some((s) => s.identity.name === "alice")).toBe(true);
    sub.unsubscribe();

    await alice.close();
    await bob.close();
    net.close();
  });
});
