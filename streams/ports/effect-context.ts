/**
 * The effects port (DESIGN.md, the redux-observable "epic"): an effect is a function of the
 * command stream and a context, returning the feedback inputs it produces. Effects interpret
 * commands, which carry every protocol decision; the context gives them the resources to act on
 * (documents, presence stores, connections, the outbox), never the model.
 */
import type { Observable, SchedulerLike } from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import type { BatchableMsg, ChannelId, Identity } from "../../src/protocol/messages.js";
import type { Connection } from "../transport.js";
import type { DocRegistry } from "./doc-registry.js";
import type { EngineEvent } from "./events.js";
import type { PresenceRegistry } from "./presence-registry.js";

export interface EffectContext {
  readonly identity: Identity;
  readonly docs: DocRegistry;
  readonly presence: PresenceRegistry;
  readonly scheduler: SchedulerLike;
  /** The live connection behind a channel, while it is open. */
  connection(channelId: ChannelId): Connection | undefined;
  /** Queues a message for the flush at quiescence (§9.1). */
  queue(channelId: ChannelId, message: BatchableMsg): void;
  /** Makes the next flush write a frame to the channel, an empty batch if nothing else. */
  touch(channelId: ChannelId): void;
  /** Forgets a channel's connection (after `stop-channel`). */
  forget(channelId: ChannelId): void;
  report(event: EngineEvent): void;
}

/**
 * Effects run synchronously as each command is emitted; their feedback re-enters the engine's
 * `runToCompletion` ahead of waiting messages.
 */
export type Effect = (commands$: Observable<Command>, context: EffectContext) => Observable<Input>;

export type CommandOf<T extends Command["type"]> = Extract<Command, { type: T }>;
