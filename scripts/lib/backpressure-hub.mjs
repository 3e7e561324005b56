// The hub of `scripts/backpressure-measure.mjs`, in its own process so that its RSS is its own:
// the built package's WebSocket server (default outbound bound) and an engine, no storage. Tells
// its parent the port, then answers "sample" over IPC with its RSS, the peak unsent bytes of each
// connection (read from the connection itself every 5 ms: `queuedBytes()`, the socket's
// `bufferedAmount`), which connections are congested, and the coalesced-update events so far.
import { tap } from "rxjs";
import { createRepo } from "../../dist/streams/index.js";
import { webSocketServer } from "../../dist/streams/node.js";

const server = webSocketServer({ host: "127.0.0.1", port: 0 });
const connections = [];
const repo = createRepo({
  identity: { name: "backpressure-hub", type: "service" },
  transports: [
    server.pipe(
      tap((connection) => {
        const entry = { connection, peak: 0, congested: false, closed: false };
        connections.push(entry);
        connection.congested$?.subscribe({
          next: (c) => {
            entry.congested = c;
          },
          complete: () => {
            entry.closed = true;
          },
        });
      }),
    ),
  ],
  permissions: { discovery: "requested" },
});
const coalesced = [];
const tooSlow = [];
repo.events$.subscribe((e) => {
  if (e.type === "updates-coalesced") coalesced.push(e);
  if (e.type === "transport-problem" && e.problem.code === "peer_too_slow") tooSlow.push(e);
});
setInterval(() => {
  for (const entry of connections) {
    entry.peak = Math.max(entry.peak, entry.connection.queuedBytes?.() ?? 0);
  }
}, 5).unref();
server.listening$.subscribe(({ port }) => process.send({ port }));
process.on("message", (message) => {
  if (message === "exit") process.exit(0);
  if (message !== "sample") return;
  const memory = process.memoryUsage();
  process.send({
    rssMb: memory.rss / 2 ** 20,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    connections: connections.map((e) => ({
      peak: e.peak,
      queued: e.closed ? 0 : (e.connection.queuedBytes?.() ?? 0),
      congested: e.congested,
      closed: e.closed,
    })),
    coalesced,
    tooSlow: tooSlow.map((e) => e.problem.message),
  });
});
