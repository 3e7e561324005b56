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
  CLOSE_TOKEN_EXPIRED,
  PING,
  PONG,
  READY,
  REASON_REPLACED,
  REASON_SHUTDOWN,
  REASON_TOKEN_EXPIRED,
  REASON_TOKEN_REFUSED,
  TOKEN_OK,
  TOKEN_PREFIX,
} from "./signals.js";

/** An authenticated socket: who it is, and when its token expires (ms, the scheduler's clock). */
export interface SocketSession {
  readonly principal: string;
  readonly expiresAt?: number;
}

/**
 * `true` accepts, `false` refuses with 401, `{ status, reason }` refuses with that status, and
 * `{ session }` accepts an authenticated socket: its Connection carries `session.principal`, and
 * it is closed with 4401 when `session.expiresAt` passes.
 */
export type AuthDecision =
  | boolean
  | { readonly status: number; readonly reason?: string }
  | { readonly session: SocketSession };

/** Bounds on what a socket costs before it is authenticated and has finished its handshake. */
export interface PreAuthLimits {
  /** Upgrades waiting for `authenticate`; more are refused with 503. Default 1,000. */
  readonly maxPendingUpgrades?: number;
  /**
   * Bytes (on the TCP socket, so before `ws` buffers a message) and WebSocket messages a client
   * may send before our handshake answer; more closes it with 1008. Default 64 KiB and 16.
   */
  readonly maxPreHandshakeBytes?: number;
  readonly maxPreHandshakeMessages?: number;
}

/** What a hub uses. */
export const DEFAULT_PRE_AUTH_LIMITS: Required<PreAuthLimits> = {
  maxPendingUpgrades: 1000,
  maxPreHandshakeBytes: 64 * 1024,
  maxPreHandshakeMessages: 16,
};

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
  /**
   * In-band token refresh (text message `token:<jwt>`): accept with a `{ session }` of the same
   * principal to keep the socket (its expiry moves), anything else closes it with 4401. Without
   * this hook such messages are ignored.
   */
  readonly refresh?: (
    token: string,
    current: SocketSession,
  ) => AuthDecision | Promise<AuthDecision>;
  /** Told when an authenticated socket opens, refreshes its token and closes. */
  readonly onSession?: (event: "opened" | "refreshed" | "closed", session: SocketSession) => void;
  /**
   * Pre-auth bounds. `maxPendingUpgrades` applies with `authenticate` (default 1,000); the
   * pre-handshake bounds only when given here (a hub gives them; a bare transport may be used by
   * code that sends before any handshake).
   */
  readonly limits?: PreAuthLimits;
  /** Largest WebSocket message accepted; a larger one closes the socket with 1009. */
  readonly maxPayload?: number;
  /** Version-2 frames longer than this are fragmented (spec §13.3); 0 turns it off. */
  readonly fragmentThreshold?: number;
  /** Drives reassembly timeouts and the shutdown grace period. */
  readonly scheduler?: SchedulerLike;
  /**
   * How far a peer that does not read may fall behind (bytes its socket has not written yet):
   * above `shedPresenceAt` presence is shed and its document updates are held, one per document
   * when it drains; the socket is closed with 1013 above `closeAt` or after `maxCongestedMs`
   * behind. Default {@link DEFAULT_OUTBOUND_BOUND}; `false` turns it off.
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
  session: SocketSession | undefined;
  expiry: Subscription | undefined;
  /** Counting what arrives before our handshake answer; cleared once it is sent. */
  preHandshake: { bytes: number; messages: number; stop: () => void } | undefined;
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

const decisionOf = (
  decision: AuthDecision,
): { status: number; reason?: string } | SocketSession | undefined => {
  if (decision === true) return undefined;
  if (decision === false) return { status: 401 };
  return "session" in decision ? decision.session : decision;
};

const isSession = (value: unknown): value is SocketSession =>
  typeof value === "object" && value !== null && "principal" in value;

/** setTimeout's limit; a later expiry is re-armed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const webSocketServer = (options: WebSocketServerOptions): WebSocketServerTransport => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const outbound = options.outbound ?? DEFAULT_OUTBOUND_BOUND;
  const limits = {
    maxPendingUpgrades: DEFAULT_PRE_AUTH_LIMITS.maxPendingUpgrades,
    maxPreHandshakeBytes: Number.POSITIVE_INFINITY,
    maxPreHandshakeMessages: Number.POSITIVE_INFINITY,
    ...options.limits,
  };
  const guarded =
    Number.isFinite(limits.maxPreHandshakeBytes) || Number.isFinite(limits.maxPreHandshakeMessages);
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
    let pendingUpgrades = 0;

    const report = (code: string, message: string): void => problems.next({ code, message });

    /** Removes only the peer that actually closed (the fix for N-37). */
    const forget = (peer: Peer): void => {
      sockets.delete(peer);
      if (peers.get(peer.key) === peer) peers.delete(peer.key);
      peer.framed?.end();
      peer.preHandshake?.stop();
      peer.expiry?.unsubscribe();
      if (peer.session !== undefined) options.onSession?.("closed", peer.session);
      peer.session = undefined;
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
          ...(peer.session === undefined ? {} : { principal: peer.session.principal }),
          sendBinary: (out) => {
            // Our first binary message is the handshake answer: the limits of before end.
            peer.preHandshake?.stop();
            if (peer.socket.readyState === peer.socket.OPEN)
              peer.socket.send(out, { binary: true });
          },
          // One WebSocket message as a first frame and continuation frames: a fragment's
          // prefix and views of the document's bytes, never a copy of them per client.
          sendParts: (parts) => {
            if (peer.socket.readyState !== peer.socket.OPEN) return;
            const last = parts.length - 1;
            for (const [i, part] of parts.entries()) {
              peer.socket.send(part, { binary: true, fin: i === last });
            }
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

    /** Closes the socket when the session's token expires (4401). */
    const armExpiry = (peer: Peer): void => {
      peer.expiry?.unsubscribe();
      peer.expiry = undefined;
      const at = peer.session?.expiresAt;
      if (at === undefined) return;
      const check = (): void => {
        const left = at - scheduler.now();
        if (left > 0) {
          peer.expiry = scheduler.schedule(check, Math.min(left, MAX_DELAY_MS));
          return;
        }
        report("token_expired", `WebSocket ${peer.key}: token expired`);
        closePeer(peer, CLOSE_TOKEN_EXPIRED, REASON_TOKEN_EXPIRED);
      };
      check();
    };

    const onRefresh = (peer: Peer, token: string): void => {
      const current = peer.session;
      const refresh = options.refresh;
      if (current === undefined || refresh === undefined) return;
      Promise.resolve()
        .then(() => refresh(token, current))
        .then(decisionOf, () => ({ status: 500 }))
        .then((decision) => {
          if (peer.session !== current) return; // closed meanwhile, or a newer refresh won
          if (!isSession(decision) || decision.principal !== current.principal) {
            report("token_refused", `WebSocket ${peer.key}: refreshed token refused`);
            closePeer(peer, CLOSE_TOKEN_EXPIRED, REASON_TOKEN_REFUSED);
            return;
          }
          peer.session = decision;
          options.onSession?.("refreshed", decision);
          armExpiry(peer);
          if (peer.socket.readyState === peer.socket.OPEN) peer.socket.send(TOKEN_OK);
        });
    };

    /** Counts raw TCP bytes and WebSocket messages until our handshake answer goes out. */
    const guardPreHandshake = (peer: Peer, raw: Duplex): void => {
      const onData = (chunk: Buffer): void => {
        const guard = peer.preHandshake;
        if (guard === undefined) return;
        guard.bytes += chunk.length;
        if (guard.bytes > limits.maxPreHandshakeBytes) flood(peer, `${guard.bytes} bytes`);
      };
      raw.on("data", onData);
      peer.preHandshake = {
        bytes: 0,
        messages: 0,
        stop: () => {
          peer.preHandshake = undefined;
          raw.off("data", onData);
        },
      };
    };

    const flood = (peer: Peer, what: string): void => {
      peer.preHandshake?.stop();
      report("pre_handshake_flood", `WebSocket ${peer.key}: ${what} before the handshake`);
      // Cut at once: a flooding client gets no closing handshake to keep it buffered.
      peer.socket.terminate();
    };

    const accept = (
      socket: WebSocket,
      request: IncomingMessage,
      session: SocketSession | undefined,
      raw: Duplex,
    ): void => {
      const key = requestUrl(request)?.searchParams.get("peerId") || randomConnectionKey();
      const peer: Peer = {
        key,
        socket,
        framed: undefined,
        session,
        expiry: undefined,
        preHandshake: undefined,
      };
      if (guarded) guardPreHandshake(peer, raw);
      if (session !== undefined) {
        options.onSession?.("opened", session);
        armExpiry(peer);
      }
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
        const guard = peer.preHandshake;
        if (guard !== undefined && ++guard.messages > limits.maxPreHandshakeMessages) {
          flood(peer, `${guard.messages} messages`);
          return;
        }
        if (isBinary) {
          onBinary(peer, toBytes(data));
          return;
        }
        const text = data.toString();
        if (text === PING && socket.readyState === socket.OPEN) socket.send(PONG);
        else if (text.startsWith(TOKEN_PREFIX)) onRefresh(peer, text.slice(TOKEN_PREFIX.length));
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
      if (decide !== undefined && pendingUpgrades >= limits.maxPendingUpgrades) {
        report("too_many_pending_upgrades", `more than ${limits.maxPendingUpgrades} upgrades`);
        refuseUpgrade(socket, 503, "Too many pending connections");
        return;
      }
      pendingUpgrades++;
      let threw = false;
      Promise.resolve()
        .then(() => (decide === undefined ? true : decide(request)))
        .then(
          (decision) => decisionOf(decision),
          (error: unknown) => {
            threw = true;
            report("authenticate_failed", `authenticate threw: ${String(error)}`);
            return { status: 500, reason: "Authentication error" };
          },
        )
        .then((decision) => {
          pendingUpgrades--;
          if (stopped || socket.destroyed) {
            socket.destroy();
            return;
          }
          const session = isSession(decision) ? decision : undefined;
          if (decision !== undefined && session === undefined) {
            const refusal = decision as { status: number; reason?: string };
            if (!threw) report("upgrade_refused", `upgrade refused with ${refusal.status}`);
            refuseUpgrade(socket, refusal.status, refusal.reason);
            return;
          }
          wss.handleUpgrade(request, socket, head, (ws) => {
            if (stopped) ws.terminate();
            else accept(ws, request, session, socket);
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
