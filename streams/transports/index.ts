/**
 * WebSocket transports (spec §13.4). The client is browser-safe; the server imports `ws` and
 * Node's `http`, so bundle it only for Node.
 */
export { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelay } from "./backoff.js";
export type { BrowserWebSocket, WebSocketConstructor } from "./browser-websocket.js";
export { type ClientState, isValidTransition } from "./client-state.js";
export { browserReconnectTriggers } from "./reconnect-triggers.js";
export { isFatalCloseCode } from "./signals.js";
export {
  DEFAULT_KEEPALIVE,
  DEFAULT_READY_TIMEOUT_MS,
  type KeepaliveOptions,
  type WebSocketClientOptions,
  type WebSocketClientTransport,
  webSocketClient,
} from "./websocket-client.js";
export {
  type AuthDecision,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_OUTBOUND_BOUND,
  type WebSocketServerOptions,
  type WebSocketServerTransport,
  webSocketServer,
} from "./websocket-server.js";
