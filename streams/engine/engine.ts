/**
 * The engine, one pipeline:
 *
 * ```
 * merge(connections' inputs, screened messages, local commits, heartbeat, API calls)
 *   → runToCompletion({ feedback$: effects' feedback })   ordering, spec §5.3
 *   → foldInputs(model0)                                   scan(update)
 *   → each transition: model$, its commands → commands$ → effects (→ feedback$)
 *     QUIESCENT: outbox flush (one frame per channel, §9.1), ready-state changes (§11.2)
 * ```
 */
import {
  asyncScheduler,
  BehaviorSubject,
  catchError,
  EMPTY,
  filter,
  interval,
  map,
  merge,
  Observable,
  type SchedulerLike,
  Subject,
  Subscription,
  tap,
} from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import { getChannel, getPeer, init, type Model } from "../../src/program/model.js";
import { type Permissions, peerContext } from "../../src/program/permissions.js";
import { pmapForEach } from "../../src/program/pmap.js";
import { type ReadyState, readyStates } from "../../src/program/readiness.js";
import { readinessTouched } from "../../src/program/readiness-touch.js";
import {
  type ChannelId,
  type DocId,
  type Identity,
  isEstablishmentMsg,
} from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";
import { defaultEffects } from "../effects/index.js";
import type { Middleware } from "../middleware/middleware.js";
import { createMiddlewareGate } from "../middleware/middleware-gate.js";
import { isQuiescent, type Quiescent, runToCompletion } from "../operators/run-to-completion.js";
import { foldInputs, type Transition } from "../operators/synchronize.js";
import type { DocRegistry } from "../ports/doc-registry.js";
import type { Effect, EffectContext } from "../ports/effect-context.js";
import type { EngineEvent } from "../ports/events.js";
import type { PresenceRegistry } from "../ports/presence-registry.js";
import { createPresenceRegistry, PRESENCE_TIMEOUT_MS } from "../presence/presence-registry.js";
import type { Transport } from "../transport.js";
import { createConnectionRegistry } from "./connections.js";
import { createDirectPath } from "./direct-path.js";
import { createDocLifecycle } from "./doc-lifecycle.js";
import { createDocRegistry } from "./doc-registry.js";
import { createFlushThrottle } from "./flush-throttle.js";
import { createLocalCommits } from "./local-commits.js";
import { createOutbox } from "./outbox.js";
import { createReadinessTracker } from "./readiness-tracker.js";

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
   * A channel this end does not initiate on which the peer sends nothing for this long gets a
   * `handshake-not-started` event (both ends waiting for the other). Default 10,000 ms; 0: off.
   */
  readonly handshakeTimeoutMs?: number;
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
  /**
   * Documents nobody holds (no local handle: `Engine.hold`, `repo.doc`/`repo.open`; no connected
   * peer subscribed) are freed this long after their last use, once storage has them durably,
   * and reload from storage when next asked for (DESIGN.md "Bounded resources"). Without
   * storage nothing is ever freed. Default 60,000 ms; 0 turns eviction off.
   */
  readonly docIdleMs?: number;
  /**
   * What "durably" means before eviction. Default: every storage channel was handed the whole
   * version. A hub passes its fsync-confirmed durable version (`hub/durability.ts`).
   */
  readonly isDurable?: (docId: DocId, version: VersionVector) => boolean;
  /**
   * The resume extension (docs/RESUME.md): reconnections between loro-rx peers exchange only the
   * documents that changed. Default on; `false` keeps every handshake as the spec's.
   */
  readonly resume?: boolean;
  /**
   * Peers that left keep their records (a reconnection then costs what changed) up to this many;
   * beyond it the one that left longest ago is forgotten and, if it returns, syncs as on first
   * contact. Default 1,000 (`MAX_DEPARTED_PEERS`).
   */
  readonly maxDepartedPeers?: number;
  /**
   * At most one presence-only outbox flush per this many ms (`flush-throttle.ts`): when only
   * presence waits, a quiescence less than this after the previous flush waits for the window
   * to end, so what queues meanwhile goes out as one frame per channel. A flush after a quiet
   * spell, or with anything but presence in it (edits, answers), is written at once. Default 0:
   * every quiescence flushes (spec §9.1). A hub relaying presence to many clients trades up to
   * this much presence latency under load for far fewer frames (the hub's default is 50 ms).
   */
  readonly flushWindowMs?: number;
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
  /**
   * Keeps the doc in memory (never evicted) until the returned function is called; holds count.
   * It does not open the doc: dispatch `doc-ensure` for that.
   */
  hold(docId: DocId): () => void;
  /** Hands an input to the pipeline (API calls: doc-ensure, doc-delete, presence changes). */
  dispatch(input: Input): void;
  /** Resolves when every connection has made durable what it accepted (storage). */
  flush(): Promise<void>;
  /** Flushes, then closes every connection and stops every timer and subscription. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** 64 random bits, hex (docs/RESUME.md §1). */
const newSession = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

export const HEARTBEAT_MS = 10_000;
export const DOC_IDLE_MS = 60_000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export const createEngine = (options: EngineOptions): Engine => {
  const { identity } = options;
  const scheduler = options.scheduler ?? asyncScheduler;
  const subscriptions = new Subscription();
  const events$ = new Subject<EngineEvent>();
  const inputs$ = new Subject<Input>();
  const commands$ = new Subject<Command>();
  /** Subscribers of the public `commands$` (the effects' own subscriptions are not counted). */
  let commandWatchers = 0;
  const max = options.maxDepartedPeers;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 0)) {
    throw new RangeError(`maxDepartedPeers must be a non-negative integer, got ${max}`);
  }
  const limits =
    options.maxDepartedPeers === undefined ? {} : { maxDepartedPeers: options.maxDepartedPeers };
  // docs/RESUME.md §1: a fresh random session per engine.
  const initial =
    options.resume === false
      ? init({ identity, ...limits })
      : init({ identity, session: newSession(), ...limits });
  const model$ = new BehaviorSubject<Model>(initial);
  const transitions$ = new Subject<Transition>();
  let closed = false;
  /** A transition or quiescence is being handled: effects and event handlers are running. */
  let handling = false;

  const report = (event: EngineEvent): void => {
    if (!closed) events$.next(event);
  };

  const outbox = createOutbox();
  const flushWindowMs = options.flushWindowMs ?? 0;
  if (!(Number.isFinite(flushWindowMs) && flushWindowMs >= 0)) {
    throw new RangeError(`flushWindowMs must be a non-negative number, got ${flushWindowMs}`);
  }
  const readiness = createReadinessTracker();
  const presence = createPresenceRegistry({
    peerId: identity.peerId,
    scheduler,
    timeoutMs: options.presenceTimeoutMs ?? PRESENCE_TIMEOUT_MS,
    // `peers$` listens to the room itself: unobserved events cost nothing but this check.
    onChange: (change) => {
      if (events$.observed) report({ type: "presence-changed", ...change });
    },
    onError: (docId, namespace, error) =>
      report({
        type: "effect-error",
        command: "apply-presence",
        error: `${docId}/${namespace}: ${error}`,
      }),
  });

  // ── Sources ────────────────────────────────────────────────────────────────────────────────
  /** API calls (`dispatch`). */
  const api$ = new Subject<Input>();
  /** Local commits, handed over per document (see local-commits.ts). */
  const commits$ = new Subject<readonly Input[]>();
  /** Messages that passed the middleware (spec §10), which may answer later than they arrived. */
  const screened$ = new Subject<Input>();
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
        docOf: (docId) => docs.peek(docId),
        deliver: (channelId, message) =>
          screened$.next({ type: "message-received", channelId, message }),
        rejected: (event) => report({ type: "message-rejected", ...event }),
      })
    : undefined;
  const docs = createDocRegistry(identity.peerId, (docId) => localCommits.note(docId));
  const connections = createConnectionRegistry({
    transports: options.transports ?? [],
    scheduler,
    ...(gate !== undefined ? { screen: gate.receive } : {}),
    report,
    maxInvalidMessages: options.maxInvalidMessages ?? 100,
    invalidWindowMs: options.invalidWindowMs ?? 10_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
  });
  // Commits made while nothing is handled are coalesced per doc until the committing code
  // returns. With the default scheduler that is a microtask (asyncScheduler's zero delay would
  // be a timer, ≥ 1 ms); any other scheduler decides itself (a TestScheduler: the same frame).
  const localCommits = createLocalCommits({
    busy: () => handling,
    versionOf: (docId) => docs.settle(docId),
    deliver: (inputs) => commits$.next(inputs),
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
  const access$: Observable<Input> =
    options.permissionChanges?.pipe(
      map(
        (principals): Input =>
          principals === undefined
            ? { type: "permissions-changed" }
            : { type: "permissions-changed", principals },
      ),
    ) ?? EMPTY;
  const lifecycle = createDocLifecycle({
    idleMs: options.docIdleMs ?? DOC_IDLE_MS,
    scheduler,
    model: () => model$.value,
    ...(options.isDurable !== undefined ? { isDurable: options.isDurable } : {}),
    evict: (docId) => {
      if (!closed) api$.next({ type: "doc-evict", docId });
    },
  });
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const heartbeat$: Observable<Input> =
    heartbeatMs > 0
      ? interval(heartbeatMs, scheduler).pipe(
          // Only documents with presence stores can have anything to send; with none anywhere
          // the heartbeat is no input at all (an idle hub without presence walked every room).
          map(() => presence.docIds()),
          filter((docIds) => docIds.length > 0),
          map((docIds): Input => ({ type: "heartbeat", docIds })),
        )
      : EMPTY;

  // ── Effects ────────────────────────────────────────────────────────────────────────────────
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
    report,
  };
  // A failing effect reports and resubscribes, so one bad command never ends the feedback.
  const effects = options.effects ?? defaultEffects;
  const feedback$ = merge(
    ...effects.map((effect) =>
      effect(commands$.asObservable(), context).pipe(
        catchError((error: unknown, caught) => {
          report({ type: "effect-error", command: "effect", error: String(error) });
          return caught;
        }),
      ),
    ),
  );

  // ── Handling each step ─────────────────────────────────────────────────────────────────────
  /** The gate holds a channel's messages until it is established, and forgets removed ones. */
  const gateAfter = (input: Input): void => {
    if (input.type === "channel-removed") gate?.forget(input.channelId);
    else if (input.type === "message-received" && isEstablishmentMsg(input.message)) {
      gate?.recheck(input.channelId);
    }
  };
  /** Reused by `noteUse`: the docs one input named. */
  const named = new Set<DocId>();
  /** Restarts the idle time of the docs an input used (`readinessTouched` names them). */
  /** Storage channels open now: without one nothing can be evicted, so nothing is tracked. */
  const storageChannels = new Set<ChannelId>();
  const noteUse = (input: Input, before: Model): void => {
    if (input.type === "doc-evict") return;
    if (input.type === "channel-added" && input.kind === "storage") {
      storageChannels.add(input.channelId);
    }
    if (input.type === "channel-removed") storageChannels.delete(input.channelId);
    if (storageChannels.size === 0) return;
    if (input.type === "channel-removed") {
      // A peer's last channel closing lets go of every doc it was subscribed to: their idle
      // time starts now, not at their last edit.
      const channel = getChannel(before, input.channelId);
      const peer = channel?.peerId === undefined ? undefined : getPeer(before, channel.peerId);
      if (
        peer !== undefined &&
        peer.channels.length === 1 &&
        peer.channels[0] === channel?.channelId
      ) {
        pmapForEach(peer.docs, (state, docId) => {
          if (state.subscribed) lifecycle.touch(docId);
        });
      }
      return;
    }
    readinessTouched(input, named);
    for (const docId of named) lifecycle.touch(docId);
    named.clear();
  };
  /** Commands run without the effects' streams when nobody could tell (`direct-path.ts`). */
  const runDirect = options.effects === undefined ? createDirectPath(context) : undefined;
  const unobserved = (): boolean =>
    commandWatchers === 0 && !model$.observed && !transitions$.observed && !inputs$.observed;
  const apply = (transition: Transition): void => {
    const before = model$.value;
    noteUse(transition.input, before);
    // An unchanged model nobody observes needs no `next`.
    const direct = runDirect !== undefined && transition.model === before && unobserved();
    if (!direct) model$.next(transition.model);
    if (events$.observed) readiness.touch(transition.input, before, transition.model);
    if (gate !== undefined) gateAfter(transition.input);
    if (direct && runDirect(transition.commands)) return;
    transitions$.next(transition);
    // The per-command loop stays here: effects run synchronously, feedback waits its turn.
    for (const command of transition.commands) commands$.next(command);
    inputs$.next(transition.input);
  };
  const writeOutbox = (): void =>
    outbox.flush((channelId, message) => connections.get(channelId)?.send(message));
  /** Runs `work(value)` as handled (effects see the engine busy); a throw is reported as `label`. */
  const guarded = <T>(label: string, work: (value: T) => void, value: T): void => {
    const outer = handling;
    handling = true;
    try {
      work(value);
    } catch (error) {
      report({ type: "effect-error", command: label, error: String(error) });
    } finally {
      handling = outer;
    }
  };
  // A flush at the end of a window runs on its own timer, so it is guarded as `handle` is.
  const throttle = createFlushThrottle(
    () => guarded("quiesce", writeOutbox, undefined),
    flushWindowMs,
    scheduler,
  );
  const quiesce = (): void => {
    // A quiescence with nothing queued is no flush: it must not open a window that holds back
    // the next presence relay.
    if (outbox.size > 0) throttle.request(outbox.urgent);
    // Ready states cost a computation per touched doc: only when someone listens.
    if (!events$.observed) readiness.reset();
    else
      readiness.collect(model$.value, (docId, states) =>
        report({ type: "ready-state-changed", docId, readyStates: states }),
      );
  };
  const handle = (step: Transition | Quiescent): void => {
    if (isQuiescent(step)) guarded("quiesce", quiesce, undefined);
    else guarded(step.input.type, apply, step);
  };

  // A channel's removal says where its peer's key is in our presence stores (only the engine
  // knows), so the program's departure walks those docs instead of every subscribed one.
  const withPresenceDocs = (input: Input): Input => {
    if (input.type !== "channel-removed") return input;
    const peerId = getChannel(model$.value, input.channelId)?.peerId;
    return peerId === undefined
      ? input
      : { ...input, presenceDocIds: presence.docsHolding(peerId) };
  };
  const connected$ = connections.inputs$.pipe(
    map((inputs) => ("type" in inputs ? withPresenceDocs(inputs) : inputs.map(withPresenceDocs))),
  );

  // ── The pipeline ───────────────────────────────────────────────────────────────────────────
  subscriptions.add(
    merge(connected$, screened$, commits$, heartbeat$, api$, access$)
      .pipe(
        // Commits noted before any other input go in first (§5.3.6).
        tap(() => localCommits.flush()),
        runToCompletion<Input>({ feedback$ }),
        foldInputs(initial, options.permissions ? { permissions: options.permissions } : {}),
      )
      .subscribe(handle),
  );

  const flush = async (): Promise<void> => {
    localCommits.flush();
    throttle.flushNow();
    await Promise.all(connections.all().map((c) => c.flush?.()));
  };

  return {
    identity,
    model$: model$.asObservable(),
    inputs$: inputs$.asObservable(),
    transitions$: transitions$.asObservable(),
    commands$: new Observable<Command>((subscriber) => {
      commandWatchers++;
      const subscription = commands$.subscribe(subscriber);
      return () => {
        commandWatchers--;
        subscription.unsubscribe();
      };
    }),
    events$: events$.asObservable(),
    docs,
    presence,
    scheduler,
    model: () => model$.value,
    readyStates: (docId) => readyStates(model$.value, docId),
    hold: (docId) => lifecycle.hold(docId),
    dispatch: (input) => {
      if (!closed) api$.next(input);
    },
    flush,
    async close() {
      if (closed) return;
      await flush();
      closed = true;
      throttle.dispose();
      lifecycle.close();
      localCommits.close();
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
