/**
 * WebSocket server transport on the `ws` package (spec §13.4). Node only.
 *
 * One endpoint serves clients of both framings: the first binary message of a socket (always the
 * client's `establish-request`) tells version 2 (`00 02 …`) from version 1 (`01 00 len …`), and the
 * socket is answered in its own framing from then on. Its Connection is emitted at that moment,
 * when it can be encoded for. Subscribing starts listening; unsubscribing closes every socket
 * with 1001 "Server shutting down" and the server (when it created it).
 */

import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import {
  asyncScheduler,
  BehaviorSubject,
  filter,
  Observable,
  type SchedulerLike,
  Subject,
  type Subscription,
} from "rxjs";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { detectWireVersion } from "../../src/protocol/wire/index.js";
import type { Connection, TransportProblem } from "../transport.js";
import { closeReason } from "./close-reason.js";
import { FramedConnection, type OutboundBound } from "./framed-connection.js";

export type { OutboundBound } from "./framed-connection.js";

import { refuseUpgrade } from "./http-refusal.js";
import { randomConnectionKey } from "./random.js";
import {
  CLOSE_GOING_AWAY,
  CLOSE_NORMAL,
  PING,
  PONG,
  READY,
  REASON_REPLACED,
  REASON_SHUTDOWN,
} from "./signals.js";

/** `true` accepts, `false` refuses with 401, an object refuses with its status and reason. */
export type AuthDecision = boolean | { readonly status: number; readonly reason?: string };

export interface WebSocketServerOptions {
  /** Port to listen on (0: any free port, see `listening$`). Ignored when `server` is given. */
  readonly port?: number;
  /** An existing HTTP(S) server to attach to; it is neither started nor closed by us. */
  readonly server?: HttpServer | HttpsServer;
  readonly host?: string;
  /** Only upgrades to this path are served (any path when absent). */
  readonly path?: string;
  /** Decides on each upgrade request, before the WebSocket exists. Sync or async. */
  readonly authenticate?: (request: IncomingMessage) => AuthDecision | Promise<AuthDecision>;
  /** Largest WebSocket message accepted; a larger one closes the socket with 1009. */
  readonly maxPayload?: number;
  /** Version-2 frames longer than this are fragmented (spec §13.3); 0 turns it off. */
  readonly fragmentThreshold?: number;
  /** Drives reassembly timeouts and the shutdown grace period. */
  readonly scheduler?: SchedulerLike;
  /**
   * How far a peer that does not read may fall behind (bytes its socket has not written yet):
   * presence is shed above `shedPresenceAt`, the socket closed with 1013 above `closeAt`.
   * Default {@link DEFAULT_OUTBOUND_BOUND}; `false` turns it off.
   */
  readonly outbound?: OutboundBound | false;
}

/**
 * Shedding presence early costs nothing (it is resent); closing is kept far above any single
 * message (`DEFAULT_MAX_PAYLOAD`), so a client's first sync of large documents, all answered in
 * one flush, is not taken for a slow peer.
 */
export const DEFAULT_OUTBOUND_BOUND: OutboundBound = {
  shedPresenceAt: 4 * 1024 * 1024,
  closeAt: 256 * 1024 * 1024,
};

export interface WebSocketServerTransport extends Observable<Connection> {
  /** The bound address, each time the server starts listening. */
  readonly listening$: Observable<AddressInfo>;
  /** Trouble outside any Connection: failed authentication hooks, sockets erroring before use. */
  readonly problems$: Observable<TransportProblem>;
}

/**
 * Above any fragment (100 KiB + 13 bytes) and any version-1 frame a 5.4.2 peer sends in practice
 * (it sends snapshots whole, with a wrapped length); below what would let one client exhaust
 * memory.
 */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** How long closing sockets get to answer our close frame at shutdown before being cut. */
const SHUTDOWN_GRACE_MS = 2000;

interface Peer {
  readonly key: string;
  readonly socket: WebSocket;
  framed: FramedConnection | undefined;
}

const toBytes = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
};

const requestUrl = (request: IncomingMessage): URL | undefined => {
  try {
    return new URL(request.url ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
};

const decisionOf = (decision: AuthDecision): { status: number; reason?: string } | undefined => {
  if (decision === true) return undefined;
  if (decision === false) return { status: 401 };
  return decision;
};

export const webSocketServer = (options: WebSocketServerOptions): WebSocketServerTransport => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const outbound = options.outbound ?? DEFAULT_OUTBOUND_BOUND;
  const address = new BehaviorSubject<AddressInfo | undefined>(undefined);
  const problems = new Subject<TransportProblem>();

  const transport = new Observable<Connection>((subscriber) => {
    const own = options.server === undefined;
    const http =
      options.server ??
      createServer((_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(426, { "Content-Type": "text/plain" }).end("Upgrade Required");
      });
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
    });
    const peers = new Map<string, Peer>();
    const sockets = new Set<Peer>();
    let stopped = false;
    let grace: Subscription | undefined;

    const report = (code: string, message: string): void => problems.next({ code, message });

    /** Removes only the peer that actually closed (the fix for N-37). */
    const forget = (peer: Peer): void => {
      sockets.delete(peer);
      if (peers.get(peer.key) === peer) peers.delete(peer.key);
      peer.framed?.end();
      if (stopped && sockets.size === 0) {
        grace?.unsubscribe();
        grace = undefined;
      }
    };

    const closePeer = (peer: Peer, code: number, reason: string): void => {
      peer.framed?.end();
      try {
        peer.socket.close(code, closeReason(reason));
      } catch {
        peer.socket.terminate();
      }
    };

    const onBinary = (peer: Peer, bytes: Uint8Array): void => {
      if (peer.framed === undefined) {
        const framed = new FramedConnection({
          adapterType: "websocket-server",
          initiator: false,
          // Undetectable first bytes: treat as the current release's framing, whose decoder
          // then reports exactly what is wrong with them.
          wireVersion: detectWireVersion(bytes) ?? 2,
          scheduler,
          ...(options.fragmentThreshold === undefined
            ? {}
            : { fragmentThreshold: options.fragmentThreshold }),
          sendBinary: (out) => {
            if (peer.socket.readyState === peer.socket.OPEN)
              peer.socket.send(out, { binary: true });
          },
          closeSocket: (reason, code) => closePeer(peer, code ?? CLOSE_NORMAL, reason ?? ""),
          ...(outbound === false
            ? {}
            : { outbound: { ...outbound, queuedBytes: () => peer.socket.bufferedAmount } }),
        });
        peer.framed = framed;
        subscriber.next(framed.connection);
      }
      peer.framed.receive(bytes);
    };

    const accept = (socket: WebSocket, request: IncomingMessage): void => {
      const key = requestUrl(request)?.searchParams.get("peerId") || randomConnectionKey();
      const peer: Peer = { key, socket, framed: undefined };
      const previous = peers.get(key);
      peers.set(key, peer);
      sockets.add(peer);
      if (previous !== undefined) closePeer(previous, CLOSE_NORMAL, REASON_REPLACED);

      socket.on("error", (error) => {
        const problem = { code: "socket_error", message: `WebSocket ${key}: ${error.message}` };
        if (peer.framed === undefined) problems.next(problem);
        else peer.framed.report(problem);
      });
      socket.on("close", () => forget(peer));
      // Listening before "ready" goes out: the client answers it at once.
      socket.on("message", (data, isBinary) => {
        if (stopped) return;
        if (isBinary) onBinary(peer, toBytes(data));
        else if (data.toString() === PING && socket.readyState === socket.OPEN) socket.send(PONG);
      });
      socket.send(READY);
    };

    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const url = requestUrl(request);
      if (options.path !== undefined && url?.pathname !== options.path) {
        // On someone else's server another handler may own this path.
        if (own) refuseUpgrade(socket, 404);
        return;
      }
      // A client resetting mid-handshake must not crash the process.
      socket.on("error", () => socket.destroy());
      if (stopped) {
        refuseUpgrade(socket, 503, REASON_SHUTDOWN);
        return;
      }
      const decide = options.authenticate;
      Promise.resolve()
        .then(() => (decide === undefined ? true : decide(request)))
        .then(
          (decision) => decisionOf(decision),
          (error: unknown) => {
            report("authenticate_failed", `authenticate threw: ${String(error)}`);
            return { status: 500, reason: "Authentication error" };
          },
        )
        .then((refusal) => {
          if (stopped || socket.destroyed) {
            socket.destroy();
            return;
          }
          if (refusal !== undefined) {
            refuseUpgrade(socket, refusal.status, refusal.reason);
            return;
          }
          wss.handleUpgrade(request, socket, head, (ws) => {
            if (stopped) ws.terminate();
            else accept(ws, request);
          });
        });
    };

    const onListening = (): void => {
      const bound = http.address();
      if (bound !== null && typeof bound === "object") address.next(bound);
    };
    const onError = (error: Error): void => {
      if (!stopped) subscriber.error(error);
    };

    http.on("upgrade", onUpgrade);
    if (own) {
      http.on("error", onError);
      http.listen(options.port ?? 0, options.host, onListening);
    } else if (http.listening) onListening();
    else http.once("listening", onListening);

    return () => {
      stopped = true;
      http.off("upgrade", onUpgrade);
      http.off("listening", onListening);
      for (const peer of sockets) closePeer(peer, CLOSE_GOING_AWAY, REASON_SHUTDOWN);
      peers.clear();
      if (sockets.size > 0) {
        grace = scheduler.schedule(() => {
          for (const peer of sockets) peer.socket.terminate();
        }, SHUTDOWN_GRACE_MS);
      }
      wss.close();
      if (own) {
        http.close(() => http.off("error", onError));
        http.closeAllConnections();
      }
      address.next(undefined);
    };
  });

  return Object.assign(transport, {
    listening$: address.pipe(filter((a): a is AddressInfo => a !== undefined)),
    problems$: problems.asObservable(),
  });
};
