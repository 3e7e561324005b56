/**
 * Backpressure through a hub on real sockets (issue 12, item 2): one client stops reading while
 * 20 others edit a shared document at full speed. What the hub owns for the slow one stays
 * bounded (its socket's unsent bytes under the bound, one held entry per document), the others
 * keep converging, and once the slow one reads again it converges on the same connection: its
 * held updates went out as one per document.
 */
import { BehaviorSubject, tap } from "rxjs";
import type { Connection, EngineEvent, Repo } from "../../../streams/index.js";
import { createRepo } from "../../../streams/index.js";
import { webSocketClient, webSocketServer } from "../../../streams/node.js";
import { CountingScheduler, trackedWebSockets } from "../../owned-resources.js";
import { eventually } from "../helpers.js";

const WRITERS = 20;
const EDITS = 40;
const shedPresenceAt = 64 * 1024;
const closeAt = 1024 * 1024;
/**
 * Each edit carries this much, so that the slow one's share of all edits (1.6 MB) is more than
 * the bound: handed to its socket one by one, they would get it closed.
 */
const VALUE = "v".repeat(2 * 1024);

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** What every copy of the shared doc holds once each writer has made all its edits. */
const expected = Object.fromEntries(Array.from({ length: WRITERS }, (_, w) => [`w${w}`, EDITS]));
const sharedOf = (repo: Repo) => repo.doc("shared").getMap("m").toJSON();
/** Reads only the counters: copying every payload on each poll would slow the run down. */
const hasAll = (repo: Repo) => {
  const m = repo.doc("shared").getMap("m");
  return Object.keys(expected).every((k) => m.get(k) === EDITS);
};

it("one client stops reading while 20 edit at full speed: bounded hub, others converge, the slow one converges after it resumes", async () => {
  const scheduler = new CountingScheduler();
  const server = webSocketServer({
    host: "127.0.0.1",
    port: 0,
    scheduler,
    // No time limit here: this test is about what holding costs, not about giving up.
    outbound: { shedPresenceAt, closeAt, maxCongestedMs: 0 },
  });
  const hubConnections: Connection[] = [];
  const hub = createRepo({
    identity: { peerId: "100", type: "service" },
    transports: [server.pipe(tap((c) => hubConnections.push(c)))],
    heartbeatMs: 0,
    permissions: { discovery: "requested" },
  });
  const events: EngineEvent[] = [];
  hub.events$.subscribe((e) => events.push(e));
  const { port } = await new Promise<{ port: number }>((resolve) =>
    server.listening$.subscribe(resolve),
  );
  const url = `ws://127.0.0.1:${port}`;
  const client = (peerId: string, WebSocket?: ReturnType<typeof trackedWebSockets>["WebSocket"]) =>
    createRepo({
      identity: { peerId },
      transports: [
        webSocketClient({
          url,
          keepalive: false,
          reconnect: { baseDelayMs: 20, jitterMs: 20, maxDelayMs: 200 },
          ...(WebSocket === undefined ? {} : { WebSocket }),
        }),
      ],
      heartbeatMs: 0,
    });

  // The slow client connects first: the hub's first connection is its.
  const tracked = trackedWebSockets();
  const slow = client("1", tracked.WebSocket);
  slow.doc("shared");
  slow.doc("fill");
  await slow.whenSynced("shared");
  await slow.whenSynced("fill");
  const slowOnHub = hubConnections[0]!;
  const congested = new BehaviorSubject(false);
  slowOnHub.congested$?.subscribe(congested);

  const filler = client("2");
  const writers = Array.from({ length: WRITERS }, (_, w) => client(String(10 + w)));
  for (const repo of [filler, ...writers]) repo.doc("shared");
  for (const repo of [filler, ...writers]) await repo.whenSynced("shared");

  // The slow client stops reading. A doc only it and the filler hold fills its socket until the
  // hub sees it congested (the kernel's buffers take the first megabytes).
  const socket = (tracked.sockets[0] as unknown as { _socket: { pause(): void; resume(): void } })
    ._socket;
  socket.pause();
  const fill = filler.doc("fill");
  const chunk = "x".repeat(128 * 1024);
  let peakQueued = 0;
  const sample = () => {
    peakQueued = Math.max(peakQueued, slowOnHub.queuedBytes?.() ?? 0);
  };
  for (let i = 0; i < 2000 && !congested.value; i++) {
    fill.getText("t").insert(fill.getText("t").length, chunk);
    fill.commit();
    await new Promise((r) => setTimeout(r, 5));
    sample();
  }
  await eventually("the hub sees the slow client congested", () => congested.value, 30_000);

  // 20 writers at full speed, each on its own key of the shared map.
  await Promise.all(
    writers.map(async (repo, w) => {
      const doc = repo.doc("shared");
      for (let n = 1; n <= EDITS; n++) {
        doc.getMap("m").set(`w${w}`, n);
        doc.getMap("m").set(`v${w}`, `${n}${VALUE}`);
        doc.commit();
        sample();
        await nextTurn();
      }
    }),
  );
  await eventually(
    "every writer has every writer's edits",
    () => {
      sample();
      return writers.every(hasAll);
    },
    60_000,
  );

  // Bounded: the socket's unsent bytes stayed under the bound (nothing was closed for it), and
  // what the hub held for the slow one is one entry per document, not one per edit.
  expect(peakQueued).toBeGreaterThan(shedPresenceAt);
  expect(peakQueued).toBeLessThan(closeAt);
  expect(congested.value).toBe(true);
  expect(
    events.filter((e) => e.type === "transport-problem" && e.problem.code === "peer_too_slow"),
  ).toEqual([]);

  socket.resume();
  const fillText = fill.getText("t").toString();
  await eventually(
    "the slow client converges",
    () => hasAll(slow) && slow.doc("fill").getText("t").length === fillText.length,
    60_000,
  );
  expect(sharedOf(slow)).toEqual(sharedOf(writers[0]!));
  expect(slow.doc("fill").getText("t").toString()).toBe(fillText);
  // On the same socket: the held updates were sent when it drained, no reconnect needed.
  expect(tracked.sockets).toHaveLength(1);
  const coalesced = events.filter((e) => e.type === "updates-coalesced");
  expect(coalesced.length).toBeGreaterThan(0);
  for (const e of coalesced) expect(e.docs).toBeLessThanOrEqual(2);
  const heldUpdates = coalesced.reduce((sum, e) => sum + e.updates, 0);
  const sentUpdates = coalesced.reduce((sum, e) => sum + e.docs, 0);
  expect(heldUpdates).toBeGreaterThan(sentUpdates);

  for (const repo of [slow, filler, ...writers, hub]) await repo.close();
  await eventually("the slow client's sockets are closed", () => tracked.open() === 0);
  // The drain checks ran on the server's scheduler, and none is left armed.
  expect(scheduler.scheduled).toBeGreaterThan(0);
  await eventually("the server's timers are gone", () => scheduler.pending() === 0);
}, 180_000);
