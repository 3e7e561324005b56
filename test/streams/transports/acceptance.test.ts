/**
 * Every built-in transport against the transport port's contract (`runTransportAcceptanceSuite`
 * from `loro-rx/testing`): the in-process network and the WebSocket server/client pair on a real
 * socket. (The MessagePort transport of the README runs it in test/readme-sections.test.ts. The
 * storage transport is not a pair of transports — its other end is a backend, checked by
 * `runStorageAcceptanceSuite` — so this suite does not apply to it.)
 */
import { asapScheduler, type Subscription } from "rxjs";
import { WebSocket } from "ws";
import {
  createInProcessNetwork,
  runTransportAcceptanceSuite,
  trackedScheduler,
} from "../../../streams/testing/index.js";
import type { Connection, Transport } from "../../../streams/transport.js";
import { webSocketClient, webSocketServer } from "../../../streams/transports/index.js";
import { next } from "./helpers.js";

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
