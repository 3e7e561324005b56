/**
 * The engine: transports' connections, local commits, timers and API calls become inputs; the
 * run loop feeds them one at a time through `synchronize` (scan over the pure `update`); each
 * transition's commands go to the effects, whose feedback re-enters the loop; at quiescence the
 * outbox is flushed and ready-state changes are emitted (spec §5.3, §9, §11.2).
 */
import {
  asyncScheduler,
  BehaviorSubject,
  catchError,
  interval,
  merge,
  type Observable,
  type SchedulerLike,
  Subject,
  Subscription,
} from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import { getChannel, getPeer, init, type Model } from "../../src/program/model.js";
import { type Permissions, peerContext } from "../../src/program/permissions.js";
import { type ReadyState, readyStates } from "../../src/program/readiness.js";
import {
  type ChannelId,
  type DocId,
  type Identity,
  isEstablishmentMsg,
} from "../../src/protocol/messages.js";
import { defaultEffects, type Effect, type EffectContext } from "../effects/index.js";
import type { Middleware } from "../middleware/middleware.js";
import { createMiddlewareGate } from "../middleware/middleware-gate.js";
import { synchronize, type Transition } from "../operators/synchronize.js";
import {
  createPresenceRegistry,
  PRESENCE_TIMEOUT_MS,
  type PresenceRegistry,
} from "../presence/presence-registry.js";
import type { Transport } from "../transport.js";
import { type ConnectionRegistry, createConnectionRegistry } from "./connections.js";
import { createDocRegistry, type DocRegistry } from "./doc-registry.js";
import type { EngineEvent } from "./events.js";
import { createLocalCommits } from "./local-commits.js";
import { createOutbox } from "./outbox.js";
import { createReadinessTracker } from "./readiness-tracker.js";
import { createRunLoop } from "./run-loop.js";

export interface EngineOptions {
  readonly identity: Identity;
  readonly transports?: readonly Transport[];
  readonly permissions?: Permissions;
  /** Presence heartbeat period (spec §6.19). Default 10,000 ms; 0 switches it off. */
  readonly heartbeatMs?: number;
  /** Drives every timer. Default `asyncScheduler`; pass a TestScheduler for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Effects to run instead of the defaults (advanced: wrap or extend `defaultEffects`). */
  readonly effects?: readonly Effect[];
  /**
   * A peer whose channel delivers more than this many invalid messages within
   * `invalidWindowMs` is disconnected. Default 100 in 10,000 ms.
   */
  readonly maxInvalidMessages?: number;
  readonly invalidWindowMs?: number;
  /**
   * Foreign presence entries not refreshed for this long are dropped, locally and silently
   * (D-5). Measured on `scheduler` from when we received them. Default 30,000 ms (three
   * heartbeats); 0 keeps them until their peer departs, as the reference does.
   */
  readonly presenceTimeoutMs?: number;
  /**
   * Checks run on every received message before the program sees it (spec §10), in order,
   * sequentially per channel (D-10). Default none: messages go straight to the program.
   */
  readonly middleware?: readonly Middleware[];
  /**
   * Access changes (permissions as a stream, DESIGN.md): each item names the principals whose
   * access changed (`undefined`: everyone's), and the engine re-checks their subscriptions at
   * once (the program's `permissions-changed` input).
   */
  readonly permissionChanges?: Observable<readonly string[] | undefined>;
}

export interface Engine {
  readonly identity: Identity;
  /** The current model, replayed to new subscribers. */
  readonly model$: Observable<Model>;
  /** Every input, in the order it was handled (record it to replay a session). */
  readonly inputs$: Observable<Input>;
  readonly transitions$: Observable<Transition>;
  readonly commands$: Observable<Command>;
  readonly events$: Observable<EngineEvent>;
  readonly docs: DocRegistry;
  readonly presence: PresenceRegistry;
  readonly scheduler: SchedulerLike;
  model(): Model;
  readyStates(docId: DocId): ReadyState[];
  /** Hands an input to the run loop (API calls: doc-ensure, doc-delete, presence changes). */
  dispatch(input: Input): void;
  /** Resolves when every connection has made durable what it accepted (storage). */
  flush(): Promise<void>;
  /** Flushes, then closes every connection and stops every timer and subscription. */
  close(): Promise<void>;
  readonly closed: boolean;
}

export const HEARTBEAT_MS = 10_000;

export const createEngine = (options: EngineOptions): Engine => {
  const { identity } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const subscriptions = new Subscription();
  const events$ = new Subject<EngineEvent>();
  const inputs$ = new Subject<Input>();
  const commands$ = new Subject<Command>();
  const initial = init({ identity });
  const model$ = new BehaviorSubject<Model>(initial);
  const transitions$ = new Subject<Transition>();
  let closed = false;

  const report = (event: EngineEvent): void => {
    if (!closed) events$.next(event);
  };

  const outbox = createOutbox();
  const readiness = createReadinessTracker();
  const presence = createPresenceRegistry({
    peerId: identity.peerId,
    scheduler,
    timeoutMs: options.presenceTimeoutMs ?? PRESENCE_TIMEOUT_MS,
    onChange: (change) => report({ type: "presence-changed", ...change }),
    onError: (docId, namespace, error) =>
      report({
        type: "effect-error",
        command: "apply-presence",
        error: `${docId}/${namespace}: ${error}`,
      }),
  });
  const gate = options.middleware?.length
    ? createMiddlewareGate({
        middleware: options.middleware,
        peerOf: (channelId) => {
          const model = model$.value;
          const channel = getChannel(model, channelId);
          if (channel?.state !== "established" || channel.peerId === undefined) return undefined;
          const peer = getPeer(model, channel.peerId);
          return peer === undefined ? undefined : peerContext(peer, channel);
        },
        docOf: (docId) => docs.get(docId),
        deliver: (channelId, message) => enqueue({ type: "message-received", channelId, message }),
        rejected: (event) => report({ type: "message-rejected", ...event }),
      })
    : undefined;
  const docs = createDocRegistry(identity.peerId, (docId) => localCommits.note(docId));
  const connections: ConnectionRegistry = createConnectionRegistry({
    scheduler,
    enqueue: (input) => enqueue(input),
    ...(gate !== undefined ? { receive: gate.receive } : {}),
    hold: (fn) => loop.hold(fn),
    report,
    maxInvalidMessages: options.maxInvalidMessages ?? 100,
    invalidWindowMs: options.invalidWindowMs ?? 10_000,
  });

  const loop = createRunLoop({
    handle: (input) => inputs$.next(input),
    quiesce: () => {
      outbox.flush((channelId, message) => connections.get(channelId)?.send(message));
      // Ready states cost a computation per touched doc: only when someone listens.
      if (!events$.observed) readiness.reset();
      else
        readiness.collect(model$.value, (docId, states) =>
          report({ type: "ready-state-changed", docId, readyStates: states }),
        );
    },
    onError: (error, input) =>
      report({ type: "effect-error", command: input?.type ?? "quiesce", error: String(error) }),
  });

  // Commits made while the loop is idle are coalesced per doc until the committing code returns.
  // With the default scheduler that is a microtask (asyncScheduler's zero delay would be a
  // timer, ≥ 1 ms); any other scheduler decides itself (a TestScheduler: the same frame).
  const localCommits = createLocalCommits({
    busy: () => !loop.idle,
    versionOf: (docId) => docs.settle(docId),
    deliver: (inputs) =>
      loop.hold(() => {
        for (const input of inputs) loop.enqueue(input);
      }),
    defer: (fn) => {
      if (scheduler !== asyncScheduler) {
        const action = scheduler.schedule(fn);
        return () => action.unsubscribe();
      }
      let live = true;
      queueMicrotask(() => {
        if (live) fn();
      });
      return () => {
        live = false;
      };
    },
  });
  /** Every input enters here: commits noted earlier go first (§5.3.6). */
  const enqueue = (input: Input): void => {
    localCommits.flush();
    loop.enqueue(input);
  };

  const context: EffectContext = {
    identity,
    docs,
    presence,
    scheduler,
    connection: (channelId: ChannelId) => connections.get(channelId),
    queue: (channelId, message) => {
      if (connections.get(channelId) !== undefined) outbox.queue(channelId, message);
    },
    touch: (channelId) => {
      if (connections.get(channelId) !== undefined) outbox.touch(channelId);
    },
    forget: (channelId) => {
      outbox.discard(channelId);
      connections.forget(channelId);
    },
    model: () => model$.value,
    report,
  };

  /** The gate holds a channel's messages until it is established, and forgets removed ones. */
  const gateAfter = (input: Input): void => {
    if (input.type === "channel-removed") gate?.forget(input.channelId);
    else if (input.type === "message-received" && isEstablishmentMsg(input.message)) {
      gate?.recheck(input.channelId);
    }
  };

  // Effects subscribe before anything can emit. A failing effect reports and resubscribes, so one
  // bad command never ends the feedback stream.
  const effects = options.effects ?? defaultEffects;
  subscriptions.add(
    merge(
      ...effects.map((effect) =>
        effect(commands$.asObservable(), context).pipe(
          catchError((error: unknown, caught) => {
            report({ type: "effect-error", command: "effect", error: String(error) });
            return caught;
          }),
        ),
      ),
    ).subscribe((input) => enqueue(input)),
  );

  subscriptions.add(
    inputs$
      .pipe(synchronize(initial, options.permissions ? { permissions: options.permissions } : {}))
      .subscribe((transition) => {
        model$.next(transition.model);
        if (events$.observed) readiness.touch(transition.input);
        if (gate !== undefined) gateAfter(transition.input);
        transitions$.next(transition);
        for (const command of transition.commands) commands$.next(command);
      }),
  );

  for (const transport of options.transports ?? []) {
    subscriptions.add(connections.attachTransport(transport));
  }

  if (options.permissionChanges !== undefined) {
    subscriptions.add(
      options.permissionChanges.subscribe((principals) =>
        enqueue(
          principals === undefined
            ? { type: "permissions-changed" }
            : { type: "permissions-changed", principals },
        ),
      ),
    );
  }

  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  if (heartbeatMs > 0) {
    subscriptions.add(
      interval(heartbeatMs, scheduler).subscribe(() => enqueue({ type: "heartbeat" })),
    );
  }

  const flush = async (): Promise<void> => {
    localCommits.flush();
    await Promise.all(connections.all().map((c) => c.flush?.()));
  };

  return {
    identity,
    model$: model$.asObservable(),
    inputs$: inputs$.asObservable(),
    transitions$: transitions$.asObservable(),
    commands$: commands$.asObservable(),
    events$: events$.asObservable(),
    docs,
    presence,
    scheduler,
    model: () => model$.value,
    readyStates: (docId) => readyStates(model$.value, docId),
    dispatch: (input) => enqueue(input),
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      localCommits.close();
      loop.close();
      gate?.close();
      subscriptions.unsubscribe();
      connections.closeAll();
      docs.dispose();
      presence.dispose();
      for (const subject of [events$, inputs$, commands$, transitions$, model$]) subject.complete();
    },
    get closed() {
      return closed;
    },
  };
};
