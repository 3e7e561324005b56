/**
 * The rate limiter of spec §10.3 as middleware, on the repo's (virtual) clock.
 */
import { TestScheduler } from "rxjs/testing";
import {
  createRepo,
  type EngineEvent,
  type Middleware,
  messageTypeRateLimiter,
  rateLimiter,
} from "../../../streams/index.js";
import { establish, handConnection, newDoc, received } from "./helpers.js";

const directoryRequest = { type: "channel/directory-request" };

const setup = (middleware: Middleware, scheduler: TestScheduler) => {
  const hand = handConnection();
  const repo = createRepo({
    identity: { peerId: "1" },
    transports: [hand.transport],
    heartbeatMs: 0,
    scheduler,
    middleware: [middleware],
  });
  const reasons: string[] = [];
  repo.events$.subscribe((e: EngineEvent) => {
    if (e.type === "message-rejected") reasons.push(`${e.middleware}: ${e.reason}`);
  });
  const seen = received(repo);
  hand.push(establish());
  return { repo, hand, reasons, seen };
};

describe("rateLimiter middleware", () => {
  it("per peer: a burst passes, the excess is dropped with a reason, and the window recovers", async () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const limited: string[] = [];
    const { repo, hand, reasons, seen } = setup(
      rateLimiter({
        maxRequests: 2,
        burstAllowance: 1,
        windowMs: 1_000,
        scheduler,
        onRateLimited: (ctx, info) =>
          limited.push(`${ctx.peer?.peerId} ${info.current}/${info.limit}`),
      }),
      scheduler,
    );
    // Each inner message of a batch counts as one request.
    hand.push({ type: "channel/batch", messages: [directoryRequest, directoryRequest] });
    for (let i = 0; i < 3; i++) hand.push(directoryRequest);
    expect(seen).toEqual([
      "1:establish-request",
      "1:[directory-request, directory-request]",
      "1:directory-request",
    ]);
    expect(reasons).toEqual([
      "rate-limiter: Rate limit exceeded: 3/3 requests (resets in 1s)",
      "rate-limiter: Rate limit exceeded: 3/3 requests (resets in 1s)",
    ]);
    expect(limited).toEqual(["77 3/3", "77 3/3"]);
    scheduler.frame = 999;
    hand.push(directoryRequest);
    expect(seen).toHaveLength(3);
    scheduler.frame = 1_000; // the first three leave the window
    hand.push(directoryRequest);
    expect(seen.at(-1)).toBe("1:directory-request");
    expect(seen).toHaveLength(4);
    await repo.close();
  });

  it("the message-type variant limits only the listed types, which alone are counted", async () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    const limiter = messageTypeRateLimiter(["channel/directory-request"], {
      maxRequests: 1,
      scheduler,
    });
    expect(limiter.name).toBe("rate-limiter:channel/directory-request");
    const { repo, hand, reasons, seen } = setup(limiter, scheduler);
    for (const id of ["a", "b", "c"]) hand.push(newDoc(id));
    hand.push(directoryRequest);
    hand.push(directoryRequest);
    expect(seen).toEqual([
      "1:establish-request",
      "1:new-doc(a)",
      "1:new-doc(b)",
      "1:new-doc(c)",
      "1:directory-request",
    ]);
    expect(reasons).toEqual([
      "rate-limiter:channel/directory-request: Rate limit exceeded: 1/1 requests (resets in 60s)",
    ]);
    limiter.cleanup();
    hand.push(directoryRequest);
    expect(seen).toHaveLength(6);
    await repo.close();
  });
});
