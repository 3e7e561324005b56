import type { AddressInfo } from "node:net";
import {
  firstValueFrom,
  type Observable,
  ReplaySubject,
  type Subscription,
  take,
  timeout,
} from "rxjs";
import { type RawData, WebSocket } from "ws";
import type { Connection } from "../../../streams/transport.js";
import { type WebSocketServerOptions, webSocketServer } from "../../../streams/transports/index.js";

export const WAIT_MS = 10_000;

/** Polls until `check` holds; fails after `ms`. No wall-clock assertions, only a generous bound. */
export const waitFor = async (check: () => boolean, what: string, ms = WAIT_MS): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

export const next = <T>(source: Observable<T>, what = "a value"): Promise<T> =>
  firstValueFrom(
    source.pipe(
      take(1),
      timeout({
        first: WAIT_MS,
        with: () => Promise.reject(new Error(`timed out waiting for ${what}`)),
      }),
    ),
  );

/** Collects everything an Observable emits, and whether it completed. */
export const collect = <T>(source: Observable<T>) => {
  const values: T[] = [];
  const state = { values, completed: false, subscription: undefined as Subscription | undefined };
  state.subscription = source.subscribe({
    next: (v) => values.push(v),
    complete: () => {
      state.completed = true;
    },
  });
  return state;
};

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly connections: ReplaySubject<Connection>;
  readonly all: Connection[];
  stop(): void;
}

export const startServer = async (
  options: Omit<WebSocketServerOptions, "port"> & { readonly port?: number } = {},
): Promise<RunningServer> => {
  const transport = webSocketServer({ host: "127.0.0.1", port: 0, ...options });
  const connections = new ReplaySubject<Connection>();
  const all: Connection[] = [];
  const subscription = transport.subscribe((c) => {
    all.push(c);
    connections.next(c);
  });
  const address: AddressInfo = await next(transport.listening$, "the server to listen");
  return {
    port: address.port,
    url: `ws://127.0.0.1:${address.port}`,
    connections,
    all,
    stop: () => subscription.unsubscribe(),
  };
};

export interface RawClient {
  readonly ws: WebSocket;
  readonly texts: string[];
  readonly binaries: Uint8Array[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** A plain `ws` client, for bytes and signals the transports would never produce. */
export const rawClient = async (url: string): Promise<RawClient> => {
  const ws = new WebSocket(url);
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (isBinary) binaries.push(new Uint8Array(data as Buffer));
    else texts.push(data.toString());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  await waitFor(() => texts.includes("ready"), '"ready"');
  return { ws, texts, binaries, closed };
};
