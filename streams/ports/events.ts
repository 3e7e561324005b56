/**
 * Everything the engine reports on `events$`: the program's own events plus what only the
 * streams side can see (invalid frames, failed imports, transport trouble, ready states).
 * Errors are values here, never exceptions: a bad peer or a failing effect never ends a stream.
 */

import type { ProgramEvent } from "../../src/program/events.js";
import type { ReadyState } from "../../src/program/readiness.js";
import type { ProtocolError } from "../../src/protocol/index.js";
import type { ChannelId, ChannelMsgType, DocId, PeerId } from "../../src/protocol/messages.js";
import type { TransportProblem } from "../transport.js";

export type EngineEvent =
  | ProgramEvent
  /** A frame from a peer failed validation and was dropped; the channel stays up. */
  | {
      readonly type: "invalid-message";
      readonly channelId: ChannelId;
      readonly error: ProtocolError;
    }
  /** A peer kept sending garbage and its channel was closed. */
  | {
      readonly type: "channel-closed-for-garbage";
      readonly channelId: ChannelId;
      readonly reason: string;
    }
  | {
      readonly type: "transport-problem";
      readonly channelId?: ChannelId;
      readonly problem: TransportProblem;
    }
  /**
   * Nothing started the handshake on a channel within `handshakeTimeoutMs`: this end does not
   * initiate (its transport said `initiator: false`) and the peer sent nothing. Usually both
   * ends of a custom transport were made non-initiators. The channel stays open.
   */
  | {
      readonly type: "handshake-not-started";
      readonly channelId: ChannelId;
      readonly adapterType: string;
      readonly reason: string;
    }
  /**
   * A peer that was behind caught up (its connection's `congested$` turned false): the document
   * updates held meanwhile went out as `docs` updates, one per document, standing for `updates`.
   */
  | {
      readonly type: "updates-coalesced";
      readonly channelId: ChannelId;
      readonly docs: number;
      readonly updates: number;
    }
  /** Loro refused data from a peer (corrupt bytes); nothing was imported. */
  | {
      readonly type: "import-failed";
      readonly docId: DocId;
      readonly fromPeerId: PeerId;
      readonly error: string;
    }
  /** An effect threw while running a command; the engine carries on. */
  | { readonly type: "effect-error"; readonly command: string; readonly error: string }
  | {
      readonly type: "ready-state-changed";
      readonly docId: DocId;
      readonly readyStates: readonly ReadyState[];
    }
  /**
   * A presence value appeared, changed or disappeared in (doc, namespace): `local` for our own
   * entry, `remote` for a peer's payload or departure, `timeout` for silent expiry (D-5).
   * Re-stamps that change no value (heartbeats) are not reported.
   */
  | {
      readonly type: "presence-changed";
      readonly docId: DocId;
      readonly namespace: string;
      readonly source: "local" | "remote" | "timeout";
    }
  /**
   * Middleware dropped a received message (spec §10.2); the peer is not told. For a batch, one
   * event per rejected inner message.
   */
  | {
      readonly type: "message-rejected";
      readonly channelId: ChannelId;
      readonly messageType: ChannelMsgType;
      readonly middleware: string;
      readonly reason: string;
    };

export type EngineEventType = EngineEvent["type"];
