/**
 * WebSocket client transport (spec §13.4) on the browser WebSocket API, so it runs in a page
 * with the platform's `WebSocket` and in Node with the `ws` package's class (pass it as
 * `WebSocket`). It imports nothing Node-specific.
 *
 * Each socket that reaches "ready" becomes one Connection (initiator); when the socket closes
 * the Connection's `incoming$` completes and, unless the close code is fatal, the client
 * reconnects with jittered exponential backoff, by default for as long as it is subscribed, and
 * at once on the browser's `online` event or when the tab becomes visible. An attempt that gets
 * no "ready" within `readyTimeoutMs` counts as failed. A "ping" goes out every 30 s; no "pong" within
 * the deadline means a dead link, which is dropped and replaced like a closed one. Every timer
 * runs on the given scheduler and is cancelled on unsubscribe.
 */
import {
  asyncScheduler,
  BehaviorSubject,
  distinctUntilChanged,
  Observable,
  type SchedulerAction,
  type SchedulerLike,
  Subject,
  type Subscription,
} from "rxjs";
import type { WireVersion } from "../../src/protocol/wire/index.js";
import type { Connection, TransportProblem } from "../transport.js";
import { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelay } from "./backoff.js";
import type {
  BrowserWebSocket,
  CloseEventLike,
  MessageEventLike,
  WebSocketConstructor,
} from "./browser-websocket.js";
import type { ClientState } from "./client-state.js";
import { clientToken, isUpgradeRefusal, type TokenSource } from "./client-token.js";
import { type ClientUrls, urlRotation } from "./client-urls.js";
import { closeReason } from "./close-reason.js";
import { FramedConnection } from "./framed-connection.js";
import { browserReconnectTriggers } from "./reconnect-triggers.js";
import {
  CLOSE_NORMAL,
  CLOSE_PONG_TIMEOUT,
  isFatalCloseCode,
  PING,
  PONG,
  READY,
  REASON_CLIENT_STOP,
  REASON_PONG_TIMEOUT,
  TOKEN_PREFIX,
} from "./signals.js";

export interface KeepaliveOptions {
  /** Spec: 30 000 ms. */
  readonly intervalMs?: number;
  /** How long after a "ping" a "pong" may take before the link counts as dead. */
  readonly timeoutMs?: number;
}

export const DEFAULT_KEEPALIVE: Required<KeepaliveOptions> = {
  intervalMs: 30_000,
  timeoutMs: 10_000,
};

export interface WebSocketClientOptions {
  /** A hub, or several of one cluster to fail over between (see `client-urls.ts`). */
  readonly url: ClientUrls;
  /** 2: 6.x peers (default). 1: 5.4.2 peers (no fragmentation, 64 KiB payloads). */
  readonly wireVersion?: WireVersion;
  /** Defaults to `globalThis.WebSocket`; in Node pass `WebSocket` from `ws`. */
  readonly WebSocket?: WebSocketConstructor;
  /** `false` turns reconnection off. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** `false` turns pings off. */
  readonly keepalive?: boolean | KeepaliveOptions;
  /** Version-2 frames longer than this are fragmented; 0 turns it off. */
  readonly fragmentThreshold?: number;
  readonly scheduler?: SchedulerLike;
  /** Source of backoff jitter, in [0, 1). */
  readonly random?: () => number;
  /** Close codes that end the client instead of reconnecting. */
  readonly isFatalClose?: (code: number) => boolean;
  /**
   * Deadline from opening a socket to the server's "ready": a server that accepts TCP and never
   * answers the upgrade (a hung hub, a load balancer with a dead backend) counts as a failed
   * attempt and is retried. Default {@link DEFAULT_READY_TIMEOUT_MS}; 0 waits forever.
   */
  readonly readyTimeoutMs?: number;
  /**
   * While waiting to reconnect, each item retries at once (and restarts the backoff). Default:
   * the browser's `online` event and a hidden tab becoming visible (nothing outside a browser).
   */
  readonly retryNow$?: Observable<unknown>;
  /**
   * A token for a hub with auth, sent as the `token` query parameter; a function is called on
   * every (re)connect. Refusals: see `client-token.ts` (one retry with a fresh token, then stop).
   */
  readonly token?: TokenSource;
}

/** Opening, upgrade and "ready" together; a healthy hub answers in milliseconds. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000;

export interface WebSocketClientTransport extends Observable<Connection> {
  readonly state$: Observable<ClientState>;
  /** Trouble outside any Connection: sockets that cannot be created, fatal closes. */
  readonly problems$: Observable<TransportProblem>;
  /** With `token`: sends a fresh token on the open socket (new claims apply at once). */
  refreshToken(): Promise<void>;
}

const toBytes = (data: unknown): Uint8Array | undefined => {
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return new Uint8Array(data as ArrayBuffer);
  }
  return undefined;
};

const ignore = (): void => undefined;

/** Unhooks a socket we are done with; `onerror` stays a no-op so late errors are swallowed. */
const detach = (socket: BrowserWebSocket): void => {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = ignore;
};

/**
 * A half-open socket never completes its closing handshake; `ws` would keep it (and a timer) for
 * 30 s. Browsers own their sockets' teardown and have no such method.
 */
const abandon = (socket: BrowserWebSocket, code: number, reason: string): void => {
  detach(socket);
  try {
    socket.close(code, closeReason(reason));
  } catch {
    // already closing
  }
  const terminate = (socket as { terminate?: unknown }).terminate;
  if (typeof terminate === "function") terminate.call(socket);
};

const withDefaults = <T extends object>(value: boolean | T | undefined, defaults: Required<T>) =>
  value === false
    ? undefined
    : { ...defaults, ...(value === true || value === undefined ? {} : value) };

export const webSocketClient = (options: WebSocketClientOptions): WebSocketClientTransport => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const random = options.random ?? Math.random;
  const isFatal = options.isFatalClose ?? isFatalCloseCode;
  const reconnect = withDefaults(options.reconnect, DEFAULT_RECONNECT);
  const keepalive = withDefaults(options.keepalive, DEFAULT_KEEPALIVE);
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const retryNow$ = options.retryNow$ ?? browserReconnectTriggers();
  const state = new BehaviorSubject<ClientState>("disconnected");
  const problems = new Subject<TransportProblem>();
  const urls = urlRotation(options.url);
  /** Sends a text message on the current ready socket, while subscribed. */
  let sendText: ((text: string) => void) | undefined;

  const transport = new Observable<Connection>((subscriber) => {
    const Ctor =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (Ctor === undefined) {
      subscriber.error(
        new Error("webSocketClient: no WebSocket constructor; pass one as `WebSocket`"),
      );
      return undefined;
    }
    let socket: BrowserWebSocket | undefined;
    let framed: FramedConnection | undefined;
    /** Failed attempts since the last socket that reached "ready". */
    let attempts = 0;
    let stopped = false;
    let reconnectTimer: Subscription | undefined;
    let pingTimer: Subscription | undefined;
    let pongDeadline: Subscription | undefined;
    let readyDeadline: Subscription | undefined;
    const auth = options.token === undefined ? undefined : clientToken(options.token);
    sendText = (text) => {
      if (framed !== undefined && socket?.readyState === 1) socket.send(text);
    };
    /** Counts connects, so a token arriving after a newer connect (or a stop) is dropped. */
    let generation = 0;

    const setState = (next: ClientState): void => {
      if (state.value !== next) state.next(next);
    };

    const report = (problem: TransportProblem): void => {
      if (framed !== undefined && !framed.isEnded) framed.report(problem);
      else problems.next(problem);
    };

    const stopKeepalive = (): void => {
      pingTimer?.unsubscribe();
      pongDeadline?.unsubscribe();
      pingTimer = undefined;
      pongDeadline = undefined;
    };

    const giveUp = (): void => {
      setState("disconnected");
      subscriber.complete();
    };

    const scheduleReconnect = (): void => {
      if (stopped) return;
      if (reconnect === undefined || attempts >= reconnect.maxAttempts) {
        giveUp();
        return;
      }
      attempts++;
      urls.advance();
      setState("reconnecting");
      reconnectTimer = scheduler.schedule(
        () => {
          reconnectTimer = undefined;
          connect();
        },
        reconnectDelay(attempts, reconnect, random),
      );
    };

    /** The current socket is finished with, for whatever reason. */
    const dropSocket = (): void => {
      stopKeepalive();
      readyDeadline?.unsubscribe();
      readyDeadline = undefined;
      socket = undefined;
      framed?.end();
      framed = undefined;
    };

    const deadLink = (): void => {
      const ws = socket;
      report({ code: "pong_timeout", message: `no "pong" within ${keepalive?.timeoutMs} ms` });
      if (ws !== undefined) abandon(ws, CLOSE_PONG_TIMEOUT, REASON_PONG_TIMEOUT);
      dropSocket();
      scheduleReconnect();
    };

    const startKeepalive = (ws: BrowserWebSocket): void => {
      if (keepalive === undefined) return;
      const { intervalMs, timeoutMs } = keepalive;
      pingTimer = scheduler.schedule(function (this: SchedulerAction<unknown>) {
        if (socket !== ws) return;
        ws.send(PING);
        pongDeadline ??= scheduler.schedule(deadLink, timeoutMs);
        this.schedule(undefined, intervalMs);
      }, intervalMs);
    };

    const onReady = (ws: BrowserWebSocket, early: Uint8Array[]): void => {
      if (framed !== undefined) return;
      readyDeadline?.unsubscribe();
      readyDeadline = undefined;
      attempts = 0;
      auth?.accepted();
      if (state.value === "connecting") setState("connected");
      setState("ready");
      const connection = new FramedConnection({
        adapterType: "websocket-client",
        initiator: true,
        wireVersion: options.wireVersion ?? 2,
        scheduler,
        ...(options.fragmentThreshold === undefined
          ? {}
          : { fragmentThreshold: options.fragmentThreshold }),
        sendBinary: (bytes) => {
          if (socket === ws && ws.readyState === 1) ws.send(bytes);
        },
        closeSocket: (reason) => {
          if (socket !== ws) return;
          abandonGracefully(ws, reason ?? REASON_CLIENT_STOP);
          dropSocket();
          scheduleReconnect();
        },
      });
      framed = connection;
      subscriber.next(connection.connection);
      for (const bytes of early) connection.receive(bytes);
      startKeepalive(ws);
    };

    const connect = (): void => {
      if (stopped) return;
      setState("connecting");
      const base = urls.current();
      if (auth === undefined) {
        open(base);
        return;
      }
      const current = ++generation;
      auth.url(base).then(
        (url) => {
          if (!stopped && current === generation) open(url);
        },
        (e: unknown) => {
          if (stopped || current !== generation) return;
          problems.next({ code: "token_failed", message: `token function: ${String(e)}` });
          scheduleReconnect();
        },
      );
    };

    const open = (url: string): void => {
      let ws: BrowserWebSocket;
      let upgradeRefused = false;
      try {
        ws = new Ctor(url);
      } catch (e) {
        problems.next({
          code: "connect_failed",
          message: `cannot open ${url}: ${String(e)}`,
        });
        scheduleReconnect();
        return;
      }
      socket = ws;
      ws.binaryType = "arraybuffer";
      if (readyTimeoutMs > 0) {
        readyDeadline = scheduler.schedule(() => {
          readyDeadline = undefined;
          if (socket !== ws) return;
          problems.next({
            code: "ready_timeout",
            message: `no "ready" from ${url} within ${readyTimeoutMs} ms`,
          });
          abandon(ws, CLOSE_NORMAL, REASON_CLIENT_STOP);
          dropSocket();
          scheduleReconnect();
        }, readyTimeoutMs);
      }
      /** Binary messages before "ready" (the server never sends any; kept in case one does). */
      const early: Uint8Array[] = [];
      // Attached before open: "ready" can arrive before the open event is handled.
      ws.onmessage = (event: MessageEventLike) => {
        if (socket !== ws) return;
        const { data } = event;
        if (typeof data === "string") {
          if (data === READY) onReady(ws, early);
          else if (data === PONG) {
            pongDeadline?.unsubscribe();
            pongDeadline = undefined;
          }
          return;
        }
        const bytes = toBytes(data);
        if (bytes === undefined) return;
        if (framed === undefined) early.push(bytes);
        else framed.receive(bytes);
      };
      ws.onopen = () => {
        if (socket === ws && state.value === "connecting") setState("connected");
      };
      ws.onclose = (event: CloseEventLike) => {
        if (socket !== ws) return;
        detach(ws);
        dropSocket();
        const verdict = auth?.closed(event.code, upgradeRefused);
        if (verdict === "unauthorized") {
          problems.next({ code: "unauthorized", message: "the hub refused a fresh token" });
          giveUp();
          return;
        }
        if (verdict === "retry") {
          scheduleReconnect();
          return;
        }
        if (isFatal(event.code)) {
          problems.next({
            code: "closed_by_server",
            message: `server closed the socket with ${event.code} ${event.reason}; not reconnecting`,
          });
          giveUp();
          return;
        }
        scheduleReconnect();
      };
      // A close event always follows an error event.
      ws.onerror = (event: unknown) => {
        upgradeRefused ||= isUpgradeRefusal(event);
      };
    };

    const abandonGracefully = (ws: BrowserWebSocket, reason: string): void => {
      detach(ws);
      try {
        ws.close(CLOSE_NORMAL, closeReason(reason));
      } catch {
        // already closing
      }
    };

    // Retry at once when the network is back: only while waiting out a backoff delay.
    const retrying = retryNow$.subscribe(() => {
      if (stopped || reconnectTimer === undefined) return;
      reconnectTimer.unsubscribe();
      reconnectTimer = undefined;
      attempts = 0;
      connect();
    });

    connect();

    return () => {
      stopped = true;
      retrying.unsubscribe();
      generation++;
      sendText = undefined;
      reconnectTimer?.unsubscribe();
      reconnectTimer = undefined;
      const ws = socket;
      if (ws !== undefined) abandonGracefully(ws, REASON_CLIENT_STOP);
      dropSocket();
      setState("disconnected");
    };
  });

  return Object.assign(transport, {
    state$: state.pipe(distinctUntilChanged()),
    problems$: problems.asObservable(),
    refreshToken: async () => {
      if (options.token === undefined) return;
      const token = typeof options.token === "string" ? options.token : await options.token();
      sendText?.(`${TOKEN_PREFIX}${token}`);
    },
  });
};
