/**
 * The transport port (DESIGN.md): a transport is an Observable of connections.
 *
 * A WebSocket server emits one Connection per accepted socket, a client one per (re)connect, the
 * in-process network one per joined peer, a storage backend one Connection of kind `storage`.
 * Subscribing starts the transport; unsubscribing stops it and closes its connections.
 */
import type { Observable } from "rxjs";
import type { ChannelKind, ChannelMsg } from "../src/protocol/messages.js";

export interface Connection {
  readonly kind: ChannelKind;
  /** Free text naming the transport ("websocket-server", "in-process", "level-storage", …). */
  readonly adapterType: string;
  /**
   * Which side starts the handshake (spec §2.3): the client end of a socket, the node side of a
   * storage channel, the node that joins later in an in-process network.
   */
  readonly initiator: boolean;
  /**
   * Who the transport authenticated on this connection (a verified token's `sub`); permission
   * predicates see it as `PeerContext.principal`. Absent for unauthenticated transports.
   */
  readonly principal?: string;
  /**
   * The node's own link on a network-kind connection (the cluster bus): permissions, discovery
   * limits and access checks treat it like storage. Never set this for an outside peer.
   */
  readonly trusted?: true;
  /**
   * Decoded frames, not yet validated: the engine checks every one with the protocol codecs.
   * Completes when the connection closes (from either side). Never errors: a transport turns its
   * failures into a completion plus, where useful, an item of `problems$`.
   */
  readonly incoming$: Observable<unknown>;
  /** Sends one message; a no-op once the connection is closed. Never throws. */
  send(message: ChannelMsg): void;
  /** Closes the connection; `incoming$` completes. Idempotent. */
  close(reason?: string): void;
  /** Transport-level trouble (undecodable frames, oversize payloads), reported as values. */
  readonly problems$?: Observable<TransportProblem>;
  /**
   * Resolves when everything this connection has accepted so far is durable or delivered (storage
   * connections: written to disk). Optional; the engine's `flush()` awaits every connection's.
   */
  flush?(): Promise<void>;
  /**
   * Outbound backpressure: `true` while the peer is behind on what we send (the transport holds
   * more unsent bytes than its threshold), `false` once it has caught up. Emits the current state
   * on subscription, then each change; completes when the connection ends. It never turns `false`
   * inside `send`, so a subscriber may send from its handler. While it is `true` the engine holds
   * this channel's document updates and sends one per document when it turns `false`. Absent: the
   * transport never falls behind (in-process links, storage).
   */
  readonly congested$?: Observable<boolean>;
  /** Bytes handed to the connection and not yet written out (a socket's `bufferedAmount`). */
  queuedBytes?(): number;
}

export interface TransportProblem {
  /** Stable, machine-readable (`truncated_frame`, `oversize`, `corrupt_record`, …). */
  readonly code: string;
  /** One readable sentence for logs. */
  readonly message: string;
  readonly docId?: string;
}

export type Transport = Observable<Connection>;
