/**
 * Middleware in front of the program (spec §10, D-10): sync and async checks, rejections as
 * events and silent towards the peer, fail closed, per-channel order with async checks, a batch
 * judged per inner message, messages held until their channel is established.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  createRepo,
  type EngineEvent,
  type Middleware,
  type MiddlewareContext,
  type Repo,
} from "../../../streams/index.js";
import { establish, handConnection, newDoc, received } from "./helpers.js";

const rejections = (repo: Repo): EngineEvent[] => {
  const out: EngineEvent[] = [];
  repo.events$.subscribe((e) => {
    if (e.type === "message-rejected") out.push(e);
  });
  return out;
};

const presence = {
  type: "channel/ephemeral",
  docId: "d",
  hopsRemaining: 1,
  stores: [{ peerId: "77", namespace: "p", data: new Uint8Array([0]) }],
};

const setup = (middleware: Middleware[], connections = 1) => {
  const hands = Array.from({ length: connections }, () => handConnection());
  const repo = createRepo({
    identity: { peerId: "1" },
    transports: hands.map((h) => h.transport),
    heartbeatMs: 0,
    middleware,
  });
  return { repo, hands, seen: received(repo), rejected: rejections(repo) };
};

describe("middleware", () => {
  it("a synchronous check rejects at once: an event, nothing for the program, nothing to the peer", async () => {
    const noPresence: Middleware = {
      name: "no-presence",
      check: (ctx) =>
        ctx.message.type !== "channel/ephemeral" || { allow: false, reason: "presence is off" },
    };
    const { repo, hands, seen, rejected } = setup([noPresence]);
    const [hand] = hands;
    hand!.push(establish());
    const sentBefore = hand!.sent.length;
    hand!.push(presence);
    hand!.push(newDoc("x"));
    // Synchronous checks deliver synchronously: no turn of the event loop was needed.
    expect(seen).toEqual(["1:establish-request", "1:new-doc(x)"]);
    expect(rejected).toEqual([
      {
        type: "message-rejected",
        channelId: 1,
        messageType: "channel/ephemeral",
        middleware: "no-presence",
        reason: "presence is off",
      },
    ]);
    await nextTurn();
    // The only reply is the request for the announced doc: the rejection is silent.
    expect(hand!.sent.slice(sentBefore)).toEqual([
      expect.objectContaining({ type: "channel/sync-request", docId: "x" }),
    ]);
    await repo.close();
  });

  it("an asynchronous check rejects the same way, and `false` works as a result", async () => {
    const later: Middleware = {
      name: "later",
      check: async (ctx) => ctx.message.type !== "channel/new-doc",
    };
    const { repo, hands, seen, rejected } = setup([later]);
    hands[0]!.push(establish());
    hands[0]!.push(newDoc("x"));
    hands[0]!.push({ type: "channel/directory-request" });
    expect(seen).toEqual(["1:establish-request"]);
    await nextTurn();
    expect(seen).toEqual(["1:establish-request", "1:directory-request"]);
    expect(rejected).toEqual([
      expect.objectContaining({
        messageType: "channel/new-doc",
        middleware: "later",
        reason: "rejected",
      }),
    ]);
    expect(repo.has("x")).toBe(false);
    await repo.close();
  });

  it("a throwing or rejecting check fails closed; later checks do not run", async () => {
    let reachedLast = 0;
    const chain: Middleware[] = [
      {
        name: "boom",
        check: (ctx) => {
          if (ctx.message.type === "channel/new-doc") throw new Error("boom");
          return true;
        },
      },
      {
        name: "async-boom",
        check: (ctx) =>
          ctx.message.type === "channel/directory-request"
            ? Promise.reject(new Error("no"))
            : Promise.resolve(true),
      },
      {
        name: "last",
        check: () => {
          reachedLast++;
          return true;
        },
      },
    ];
    const { repo, hands, seen, rejected } = setup(chain);
    hands[0]!.push(establish());
    hands[0]!.push(newDoc("x"));
    hands[0]!.push({ type: "channel/directory-request" });
    await nextTurn();
    expect(seen).toEqual(["1:establish-request"]);
    expect(rejected.map((e) => (e.type === "message-rejected" ? e.reason : ""))).toEqual([
      "middleware error: boom",
      "middleware error: async-boom",
    ]);
    expect(reachedLast).toBe(0);
    await repo.close();
  });

  it("async checks of varying latency keep each channel's order, and channels do not wait for each other", async () => {
    const pending: { docs: string; resolve: (ok: boolean) => void }[] = [];
    const slowOnChannel1: Middleware = {
      name: "slow",
      requires: ["peer"],
      check: (ctx) => {
        if (ctx.peer?.channelId !== 1) return true;
        return new Promise<boolean>((resolve) => {
          const docs = ctx.message.type === "channel/new-doc" ? ctx.message.docIds.join() : "";
          pending.push({ docs, resolve });
        });
      },
    };
    const { repo, hands, seen } = setup([slowOnChannel1], 2);
    hands[0]!.push(establish("77"));
    hands[1]!.push(establish("88"));
    for (const id of ["a", "b", "c"]) hands[0]!.push(newDoc(id));
    hands[1]!.push(newDoc("z"));
    // Channel 2 is not held up by channel 1's pending check.
    expect(seen).toEqual(["1:establish-request", "2:establish-request", "2:new-doc(z)"]);
    // One check at a time per channel: only "a" is being checked.
    expect(pending.map((p) => p.docs)).toEqual(["a"]);
    // Settle in an order unrelated to arrival: c is never checked before b, b never before a.
    pending[0]!.resolve(true);
    await nextTurn();
    expect(pending.map((p) => p.docs)).toEqual(["a", "b"]);
    pending[1]!.resolve(false);
    await nextTurn();
    pending[2]!.resolve(true);
    await nextTurn();
    expect(seen.slice(3)).toEqual(["1:new-doc(a)", "1:new-doc(c)"]);
    await repo.close();
  });

  it("a batch is judged per inner message: survivors keep their order and stay one batch", async () => {
    const noPresence: Middleware = {
      name: "no-presence",
      check: (ctx) => ctx.message.type !== "channel/ephemeral",
    };
    const { repo, hands, seen, rejected } = setup([noPresence]);
    hands[0]!.push(establish());
    hands[0]!.push({
      type: "channel/batch",
      messages: [newDoc("a"), presence, newDoc("b"), { type: "channel/directory-request" }],
    });
    hands[0]!.push({ type: "channel/batch", messages: [presence, newDoc("c")] });
    hands[0]!.push({ type: "channel/batch", messages: [presence] });
    expect(seen).toEqual([
      "1:establish-request",
      "1:[new-doc(a), new-doc(b), directory-request]",
      "1:new-doc(c)",
    ]);
    expect(rejected).toHaveLength(3);
    await repo.close();
  });

  it("messages that arrive before establishment are held, then judged with the peer known (D-10)", async () => {
    const contexts: MiddlewareContext[] = [];
    const audit: Middleware = {
      name: "audit",
      check: (ctx) => {
        contexts.push(ctx);
        return true;
      },
    };
    const { repo, hands, seen } = setup([audit]);
    hands[0]!.push(newDoc("early"));
    expect(seen).toEqual([]);
    hands[0]!.push(establish());
    expect(seen).toEqual(["1:establish-request", "1:new-doc(early)"]);
    expect(contexts.map((c) => [c.message.type, c.peer?.peerId])).toEqual([
      ["channel/new-doc", "77"],
    ]);
    // Without middleware the program drops it (not established); here it was held and delivered.
    expect(repo.has("early")).toBe(true);
    await repo.close();
  });

  it("`requires` skips a check when the context lacks the field; document and transmission are filled in", async () => {
    const contexts: MiddlewareContext[] = [];
    const docsOnly: Middleware = {
      name: "docs-only",
      requires: ["document", "transmission"],
      check: (ctx) => {
        contexts.push(ctx);
        return { allow: false, reason: "read-only" };
      },
    };
    const { repo, hands, seen } = setup([docsOnly]);
    repo.doc("known");
    hands[0]!.push(establish());
    const update = (docId: string) => ({
      type: "channel/update",
      docId,
      transmission: { type: "update", data: new Uint8Array([1, 2, 3]), version: {} },
    });
    hands[0]!.push(update("unknown"));
    hands[0]!.push(update("known"));
    expect(seen).toEqual(["1:establish-request", "1:update"]);
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.document?.id).toBe("known");
    expect(contexts[0]!.transmission).toEqual({ type: "update", sizeBytes: 3 });
    await repo.close();
  });
});
