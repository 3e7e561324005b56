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

describe("README: who may connect", () => {
  it("a token minted as shown lets a client with a token function read and write its docs", async () => {
    const { SignJWT } = await import("jose");
    const { authHub, SECRET } = await import("./streams/auth/helpers.js");
    const { webSocketClient } = await import("../streams/node.js");
    const { hub, stop } = await authHub();
    process.env.LORO_RX_AUTH_SECRET = SECRET;
    const user = { id: "alice" };
    const signedIn: string[] = [];
    const showSignIn = () => signedIn.push("shown");
    try {
      // As in the README, with the app's token route stubbed by a function.
      const secret = new TextEncoder().encode(process.env.LORO_RX_AUTH_SECRET);
      const token = await new SignJWT({ read: ["handbook"], write: ["team-7/*"] })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(user.id)
        .setExpirationTime("15m")
        .sign(secret);
      const fetchToken = async () => token;

      const transport = webSocketClient({ url: hub.url, token: () => fetchToken() });
      transport.problems$.subscribe((p) => {
        if (p.code === "unauthorized") showSignIn();
      });
      const repo = createRepo({ transports: [transport] });

      const notes = repo.doc("team-7/notes");
      notes.getText("t").insert(0, "hello");
      notes.commit();
      await eventually("the hub has the edit", () =>
        hub.repo.has("team-7/notes")
          ? hub.repo.doc("team-7/notes").getText("t").toString() === "hello"
          : false,
      );
      expect(signedIn).toEqual([]);
      await repo.close();
    } finally {
      delete process.env.LORO_RX_AUTH_SECRET;
      await stop();
    }
  });
});
