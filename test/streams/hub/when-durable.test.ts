/** `whenDurable` against a plain HTTP server that answers "not yet" a number of times. */
import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { whenDurable } from "../../../streams/index.js";

let server: Server;
let url: string;
let polls = 0;
/** The durable version the server answers: `{ p: 1 }` after `notYetFor` polls, `{}` before. */
let notYetFor = 0;

beforeEach(async () => {
  polls = 0;
  server = createServer((_req, res) => {
    polls++;
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify(polls > notYetFor ? { p: 1 } : {}));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((done) => server.close(() => done())));

describe("whenDurable", () => {
  it("is exported from the browser-safe main entry and resolves once the version is covered", async () => {
    notYetFor = 3;
    await expect(whenDurable(url, "d", { p: 1 }, { intervalMs: 1 })).resolves.toEqual({ p: 1 });
    expect(polls).toBe(4);
  });

  it("leaves no abort listener on the caller's signal, however many polls it took", async () => {
    notYetFor = 200;
    const controller = new AbortController();
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, getEventListeners(controller.signal, "abort").length);
    }, 1);
    try {
      await whenDurable(url, "d", { p: 1 }, { intervalMs: 1, signal: controller.signal });
    } finally {
      clearInterval(watch);
    }
    expect(polls).toBe(201);
    // One for the whole wait; before the fix it grew by one per poll (and fetch adds its own).
    expect(most).toBe(1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("rejects with the signal's reason when aborted during a pause", async () => {
    notYetFor = Number.POSITIVE_INFINITY;
    const controller = new AbortController();
    const waiting = whenDurable(url, "d", { p: 1 }, { intervalMs: 5, signal: controller.signal });
    while (polls < 2) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
