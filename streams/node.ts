/**
 * loro-rx/node: the parts that need Node (the `ws` WebSocket server, the LevelDB and PostgreSQL
 * stores, the sync hub), kept out of the main entry so that a browser bundle of a client never
 * pulls them in.
 */
import { WebSocket } from "ws";
import type { WebSocketConstructor } from "./transports/browser-websocket.js";
import {
  webSocketClient as browserWebSocketClient,
  type WebSocketClientOptions,
  type WebSocketClientTransport,
} from "./transports/websocket-client.js";

export * from "./auth/index.js";
export {
  type BusHealth,
  type RedisBus,
  type RedisBusOptions,
  redisBus,
} from "./cluster/redis-bus.js";
export {
  fetchDurableVersion,
  type Hub,
  HubConfigError,
  HubDataLockedError,
  type HubHealth,
  HubInsecureError,
  type HubLimits,
  HubListenError,
  type HubOptions,
  isDurable,
  startHub,
  type WhenDurableOptions,
  whenDurable,
} from "./hub/index.js";
export {
  type LevelStorageOptions,
  levelStorage,
  levelStorageTransport,
  StorageLockedError,
  StorageOpenError,
} from "./storage/level-storage.js";
export {
  DEFAULT_POSTGRES_SCHEMA,
  PostgresOpenError,
  type PostgresStorageOptions,
  postgresStorage,
  postgresStorageTransport,
} from "./storage/postgres-storage.js";
export {
  type AuthDecision,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_OUTBOUND_BOUND,
  DEFAULT_PRE_AUTH_LIMITS,
  type PreAuthLimits,
  type SocketSession,
  type WebSocketServerOptions,
  type WebSocketServerTransport,
  webSocketServer,
} from "./transports/websocket-server.js";

/** The WebSocket client with the `ws` package's class as its default constructor (Node 20 has none). */
export const webSocketClient = (options: WebSocketClientOptions): WebSocketClientTransport =>
  browserWebSocketClient({
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    ...options,
  });
