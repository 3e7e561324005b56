/**
 * loro-rx: a sync engine for Loro documents, speaking loro-extended's protocol, shaped as streams.
 *
 * Layers, from the top: `createRepo` (what an application holds), `createEngine` (the run loop,
 * effects and transports), `synchronize` (the program as an RxJS operator), and the pure program
 * itself (`init`, `update`).
 */
export * from "../src/program/index.js";
export * from "../src/protocol/index.js";
export * as wire from "../src/protocol/wire/index.js";
export {
  type CommandOf,
  defaultEffects,
  type Effect,
  type EffectContext,
  ofType,
} from "./effects/index.js";
export type { DocRegistry } from "./engine/doc-registry.js";
export {
  createEngine,
  type Engine,
  type EngineOptions,
  HEARTBEAT_MS,
} from "./engine/engine.js";
export type { EngineEvent, EngineEventType } from "./engine/events.js";
export { docVersion, fromLoroVersion, toLoroVersion } from "./loro-version.js";
export {
  type MessageRejected,
  type Middleware,
  type MiddlewareContext,
  type MiddlewareRequirement,
  type MiddlewareResult,
  messageTypeRateLimiter,
  type RateLimiterMiddleware,
  type RateLimiterOptions,
  rateLimiter,
} from "./middleware/index.js";
export {
  type RateLimitConfig,
  type RateLimitInfo,
  rateLimit,
  SlidingWindow,
  type SlidingWindowOptions,
} from "./operators/rate-limit.js";
export { type ReplayOptions, recordInputs, replay } from "./operators/replay.js";
export { type SynchronizeOptions, synchronize, type Transition } from "./operators/synchronize.js";
export type { Presence } from "./presence/presence.js";
export {
  PRESENCE_TIMEOUT_MS,
  type PresenceChange,
  type PresenceRegistry,
} from "./presence/presence-registry.js";
export {
  createRepo,
  type Repo,
  RepoClosedError,
  type RepoDocContext,
  type RepoOptions,
  type RepoPermissions,
  SyncTimeoutError,
  type WhenSyncedOptions,
} from "./repo.js";
export * from "./storage/index.js";
export type { Connection, Transport, TransportProblem } from "./transport.js";
// The browser-safe WebSocket client; the server lives in "loro-rx/node".
export { DEFAULT_RECONNECT, type ReconnectOptions, reconnectDelay } from "./transports/backoff.js";
export type { BrowserWebSocket, WebSocketConstructor } from "./transports/browser-websocket.js";
export { type ClientState, isValidTransition } from "./transports/client-state.js";
export { type TokenSource, withToken } from "./transports/client-token.js";
export { CLOSE_TOKEN_EXPIRED, isFatalCloseCode } from "./transports/signals.js";
export {
  DEFAULT_KEEPALIVE,
  type KeepaliveOptions,
  type WebSocketClientOptions,
  type WebSocketClientTransport,
  webSocketClient,
} from "./transports/websocket-client.js";
