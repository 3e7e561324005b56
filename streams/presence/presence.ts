/**
 * The application's view of one presence namespace of a document (spec §8.8): our own value,
 * and every other peer's, as an Observable.
 *
 * ```ts
 * const cursors = repo.presence<{ x: number; y: number }>("todos", "cursors")
 * cursors.set({ x: 10, y: 20 })                // every peer in the room gets it at once
 * cursors.peers$.subscribe((others) => draw(others))   // ReadonlyMap<PeerId, {x, y}>
 * cursors.delete()                             // we leave the room
 * ```
 *
 * Values are Loro values (null, booleans, numbers, strings, `Uint8Array`, arrays, plain
 * objects), written whole: `set` replaces the previous value.
 */
import { defer, distinctUntilChanged, filter, map, Observable, startWith } from "rxjs";
import type { DocId, PeerId } from "../../src/protocol/messages.js";
import type { EngineEvent } from "../ports/events.js";
import type { PresenceHost } from "../ports/presence-host.js";

export interface Presence<V> {
  /** Writes our value and sends it to every peer subscribed to the document (§6.20). */
  set(value: V): void;
  /** Our current value, `undefined` before `set` or after `delete`. */
  readonly self: V | undefined;
  /**
   * Every other peer's current value, keyed by peerId: the current map at once, then a new map
   * on every change (deep equality, so heartbeats that change no value emit nothing). Peers
   * leave the map when they delete their value, disconnect (their last channel closes), or
   * stop refreshing it for `presenceTimeoutMs`. Completes when the repo closes.
   */
  readonly peers$: Observable<ReadonlyMap<PeerId, V>>;
  /** Removes our value here and, through a tombstone, at every peer. */
  delete(): void;
}

/** Builds the view; `assertOpen` throws when the repo is closed. */
export const createPresence = <V>(
  engine: PresenceHost,
  docId: DocId,
  namespace: string,
  assertOpen: () => void,
): Presence<V> => {
  engine.presence.declare(docId, namespace);
  const changed = () => engine.dispatch({ type: "ephemeral-local-change", docId, namespace });
  return {
    set(value) {
      assertOpen();
      engine.presence.set(docId, namespace, value);
      changed();
    },
    get self() {
      return engine.presence.self<V>(docId, namespace);
    },
    peers$: defer(() => changes$(engine, docId, namespace)).pipe(
      map((): ReadonlyMap<PeerId, V> => engine.presence.peers<V>(docId, namespace)),
      // The registry hands out the same map until a peer's value really changes.
      distinctUntilChanged(),
    ),
    delete() {
      assertOpen();
      if (engine.presence.delete(docId, namespace)) changed();
    },
  };
};

/**
 * One item at subscription, then one per change of the room. Through the room's own listeners
 * when the host has them: filtering every engine event per subscriber cost a W3 run ~7 % (and
 * kept `events$` observed, which makes the engine track ready states on every input).
 */
const changes$ = (engine: PresenceHost, docId: DocId, namespace: string): Observable<unknown> => {
  const { watch } = engine.presence;
  if (watch === undefined) {
    return engine.events$.pipe(
      filter(
        (e: EngineEvent) =>
          e.type === "presence-changed" && e.docId === docId && e.namespace === namespace,
      ),
      startWith(undefined),
    );
  }
  return new Observable<unknown>((subscriber) => {
    subscriber.next(undefined);
    return watch.call(engine.presence, docId, namespace, {
      change: () => subscriber.next(undefined),
      end: () => subscriber.complete(),
    });
  });
};
