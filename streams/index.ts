/**
 * loro-rx: a sync engine for Loro documents, speaking loro-extended's protocol, shaped as streams.
 *
 * Layers, from the top: `createRepo` (what an application holds), `createEngine` (sources merged
 * through `runToCompletion` into the fold, effects and transports), `synchronize` (the program as
 * an RxJS operator, ordered as spec §5.3 says), and the pure program itself (`init`, `update`).
 */
export * from "../src/program/index.js";
export * from "../src/protocol/index.js";
export * as wire from "../src/protocol/wire/index.js";
export {
  type BroadcastChannelLike,
  type BroadcastChannelTransportOptions,
  broadcastChannelTransport,
} from "./browser/broadcast-channel-transport.js";
export {
  IndexedDbOpenError,
  type IndexedDbOpenFailure,
  type IndexedDbStorageOptions,
  indexedDbStorage,
  indexedDbStorageTransport,
} from "./browser/indexeddb-storage.js";
export {
  NOTHING_UNSYNCED,
  type UnsyncedChanges,
  type UnsyncedChangesOptions,
  type UnsyncedChangesTracker,
  unsyncedChanges,
} from "./browser/unsynced-changes.js";
export {
  type CommandOf,
  defaultEffects,
  type Effect,
  type EffectContext,
  ofType,
} from "./effects/index.js";
export {
  createEngine,
  type Engine,
  type EngineOptions,
  HEARTBEAT_MS,
} from "./engine/engine.js";
// Acknowledgement needs only `fetch`: usable from a page.
export {
  fetchDurableVersion,
  isDurable,
  type WhenDurableOptions,
  whenDurable,
} from "./hub/when-durable.js";
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
export {
  isQuiescent,
  QUIESCENT,
  type Quiescent,
  type RunToCompletionConfig,
  runToCompletion,
} from "./operators/run-to-completion.js";
export {
  foldInputs,
  type SynchronizeOptions,
  synchronize,
  type Transition,
} from "./operators/synchronize.js";
export type { Delta, DocRegistry } from "./ports/doc-registry.js";
export type { EngineEvent, EngineEventType } from "./ports/events.js";
export type { PresenceHost } from "./ports/presence-host.js";
export type { Presence } from "./presence/presence.js";
export {
  PRESENCE_TIMEOUT_MS,
  type PresenceChange,
  type PresenceRegistry,
} from "./presence/presence-registry.js";
export {
  createRepo,
  type DocHandle,
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
export type { ClientUrls } from "./transports/client-urls.js";
export {
  type FramedConnectionConfig,
  type FramedConnectionHandle,
  framedConnection,
} from "./transports/framed-connection.js";
export { browserReconnectTriggers } from "./transports/reconnect-triggers.js";
export { CLOSE_TOKEN_EXPIRED, isFatalCloseCode } from "./transports/signals.js";
export {
  DEFAULT_KEEPALIVE,
  DEFAULT_READY_TIMEOUT_MS,
  type KeepaliveOptions,
  type WebSocketClientOptions,
  type WebSocketClientTransport,
  webSocketClient,
} from "./transports/websocket-client.js";
