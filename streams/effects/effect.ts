/**
 * The effect shape (DESIGN.md, the redux-observable "epic"): a function of the command stream
 * and a context, returning the feedback inputs it produces. Effects run synchronously as each
 * command is emitted; their feedback re-enters the run loop ahead of waiting messages.
 */
import type { Observable, OperatorFunction, SchedulerLike } from "rxjs";
import { filter } from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import type { Model } from "../../src/program/model.js";
import type { BatchableMsg, ChannelId, Identity } from "../../src/protocol/messages.js";
import type { DocRegistry } from "../engine/doc-registry.js";
import type { EngineEvent } from "../engine/events.js";
import type { PresenceRegistry } from "../presence/presence-registry.js";
import type { Connection } from "../transport.js";

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
  /** The model right after the transition whose commands are running. */
  model(): Model;
  report(event: EngineEvent): void;
}

export type Effect = (commands$: Observable<Command>, context: EffectContext) => Observable<Input>;

export type CommandOf<T extends Command["type"]> = Extract<Command, { type: T }>;

/** Narrows the command stream to some command types. */
export const ofType = <T extends Command["type"]>(
  ...types: T[]
): OperatorFunction<Command, CommandOf<T>> =>
  filter((c): c is CommandOf<T> => (types as string[]).includes(c.type));
