/**
 * Every built-in transport against the transport port's contract (`runTransportAcceptanceSuite`
 * from `loro-rx/testing`): the in-process network and the WebSocket server/client pair on a real
 * socket, `framedConnection` over a byte pipe, and `broadcastChannelTransport` (two "tabs" on
 * Node's BroadcastChannel, the API a page has). (The MessagePort transport of the README runs it in test/readme-sections.test.ts. The
 * storage transport is not a pair of transports — its other end is a backend, checked by
 * `runStorageAcceptanceSuite` — so this suite does not apply to it.)
 */
import { asapScheduler, Observable, type Subscription } from "rxjs";
import { WebSocket } from "ws";
import {
  broadcastChannelTransport,
  type FramedConnectionHandle,
  framedConnection,
} from "../../../streams/index.js";
import {
  createInProcessNetwork,
  msg,
  runTransportAcceptanceSuite,
  type TrackedScheduler,
  trackedScheduler,
} from "../../../streams/testing/index.js";
import type { Connection, Transport } from "../../../streams/transport.js";
import { webSocketClient, webSocketServer } from "../../../streams/transports/index.js";
import { next, waitFor } from "./helpers.js";

/** Subscribes and resolves with the transport's first connection. */
const firstConnection = (
  transport: Transport,
  subscriptions: Subscription[],
): Promise<Connection> =>
  new Promise((resolve) => {
    let first = true;
    subscriptions.push(
      transport.subscribe((connection) => {
        if (first) resolve(connection);
        first = false;
      }),
    );
  });

runTransportAcceptanceSuite("in-process network", async () => {
  const scheduler = trackedScheduler(asapScheduler);
  const net = createInProcessNetwork({ scheduler });
  const subscriptions: Subscription[] = [];
  // A peer's connection appears once another peer has joined: subscribe both, then wait.
  const [a, b] = await Promise.all([
    firstConnection(net.peer("a"), subscriptions),
    firstConnection(net.peer("b"), subscriptions),
  ]);
  return {
    a,
    b,
    unsubscribeA: () => subscriptions[0]!.unsubscribe(),
    cleanup: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      net.close();
    },
    leftovers: () => scheduler.pending,
  };
});

let channels = 0;
runTransportAcceptanceSuite("broadcastChannelTransport (two tabs)", async () => {
  const scheduler = trackedScheduler();
  const name = `acceptance-${process.pid}-${channels++}`;
  const subscriptions: Subscription[] = [];
  // Each tab's connection to the other appears once both are on the channel.
  const [a, b] = await Promise.all([
    firstConnection(broadcastChannelTransport({ name, scheduler }), subscriptions),
    firstConnection(broadcastChannelTransport({ name, scheduler }), subscriptions),
  ]);
  return {
    a,
    b,
    unsubscribeA: () => subscriptions[0]!.unsubscribe(),
    cleanup: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
    leftovers: () => scheduler.pending,
  };
});

runTransportAcceptanceSuite("WebSocket server and client (127.0.0.1)", async () => {
  const scheduler = trackedScheduler();
  const server = webSocketServer({ host: "127.0.0.1", port: 0, scheduler });
  const subscriptions: Subscription[] = [];
  const accepted = firstConnection(server, subscriptions);
  const { port } = await next(server.listening$, "the server to listen");
  // No reconnection: a test that closes a connection wants it to stay closed.
  const client = webSocketClient({
    url: `ws://127.0.0.1:${port}`,
    scheduler,
    WebSocket,
    reconnect: false,
  });
  const b = await firstConnection(client, subscriptions);
  // The server tells the framing from the client's first frame, and emits its connection then:
  // send one, and take it off the server's side before handing the pair to the suite.
  b.send({ type: "channel/directory-request" });
  const a = await accepted;
  await next(a.incoming$, "the opening frame");
  return {
    a,
    b,
    unsubscribeA: () => subscriptions[0]!.unsubscribe(),
    cleanup: async () => {
      for (const subscription of subscriptions.reverse()) subscription.unsubscribe();
    },
    leftovers: () => scheduler.pending,
  };
});

/**
 * A byte pipe made into a transport pair with `framedConnection`: the framing, fragmentation and
 * reassembly come with it. Bytes cross on the scheduler, as a socket would deliver them.
 */
const bytePipe = (scheduler: TrackedScheduler, fragmentThreshold: number) => {
  const writes = { count: 0 };
  const ends: FramedConnectionHandle[] = [];
  const make = (initiator: boolean, other: () => FramedConnectionHandle) =>
    framedConnection({
      adapterType: "byte-pipe",
      initiator,
      scheduler,
      fragmentThreshold,
      sendBinary: (bytes) => {
        writes.count++;
        const copy = bytes.slice();
        scheduler.schedule(() => other().receive(copy));
      },
      closeSocket: () => scheduler.schedule(() => other().end()),
    });
  ends.push(
    make(true, () => ends[1]!),
    make(false, () => ends[0]!),
  );
  const transport = (end: FramedConnectionHandle): Transport =>
    new Observable<Connection>((subscriber) => {
      subscriber.next(end.connection);
      return () => end.connection.close("unsubscribed");
    });
  return { a: transport(ends[0]!), b: transport(ends[1]!), writes };
};

runTransportAcceptanceSuite("framedConnection over a byte pipe", async () => {
  const scheduler = trackedScheduler();
  const pipe = bytePipe(scheduler, 64);
  const subscriptions: Subscription[] = [];
  const a = await firstConnection(pipe.a, subscriptions);
  const b = await firstConnection(pipe.b, subscriptions);
  return {
    a,
    b,
    unsubscribeA: () => subscriptions[0]!.unsubscribe(),
    cleanup: async () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
    leftovers: () => scheduler.pending,
  };
});

describe("framedConnection", () => {
  it("fragments a large message into many writes and reassembles it on the other side", async () => {
    const scheduler = trackedScheduler();
    const pipe = bytePipe(scheduler, 1_024);
    const subscriptions: Subscription[] = [];
    const a = await firstConnection(pipe.a, subscriptions);
    const b = await firstConnection(pipe.b, subscriptions);
    const data = Uint8Array.from({ length: 50_000 }, (_, i) => i % 251);
    const received: unknown[] = [];
    b.incoming$.subscribe((m) => received.push(m));
    a.send(msg.syncResponse("d", msg.snapshot(data, { "1": 5 })));
    await waitFor(() => received.length === 1, "the reassembled message");
    expect(pipe.writes.count).toBeGreaterThan(40);
    const [message] = received as { transmission: { data: Uint8Array } }[];
    expect(Array.from(message!.transmission.data)).toEqual(Array.from(data));
    for (const subscription of subscriptions) subscription.unsubscribe();
  });
});
