/**
 * An in-process network for tests and benchmarks: named peers, each with a Transport, linked in a
 * mesh or a star, with scheduler-driven delivery and seeded, reproducible fault injection.
 */
import { asapScheduler, Observable, type SchedulerLike, Subject, type Subscriber } from "rxjs";
import type { Connection, Transport } from "../transport.js";
import { type EffectiveFaults, Link, type LinkContext } from "./link.js";
import type {
  DirectionCounters,
  InProcessNetworkOptions,
  LinkFaults,
  TrafficCounters,
  TrafficEvent,
} from "./network-types.js";
import { deriveSeed, mulberry32, type Rng } from "./prng.js";
import { allowsLink, pairKey } from "./topology.js";
import {
  addCounters,
  emptyCounters,
  type MutableCounters,
  snapshotCounters,
} from "./traffic-counters.js";

/** One peer name, or a group of them (every pair across the two groups is affected). */
export type Peers = string | readonly string[];

export interface InProcessNetwork {
  /**
   * The Transport of peer `name`. Subscribing joins the network: the peer is linked with every
   * joined peer the topology allows (unless that pair was `disconnect`ed), and for each link both
   * sides' transports emit a Connection (`kind: "network"`, `adapterType: "in-process"`); the
   * side that joined later is the `initiator` (spec §13.4). The earlier side gets its Connection
   * first, so its listener is in place before the initiator's handshake can arrive.
   * Unsubscribing leaves: every link of the peer closes and both ends' `incoming$` complete.
   * A name can be joined once at a time; a second concurrent subscription errors. After `close()`,
   * subscribing completes at once.
   */
  peer(name: string): Transport;

  /** Drops every frame between the two groups, including frames already in flight; connections
   * stay up. Holds until `heal`, across `disconnect`/`reconnect` and re-joins. */
  partition(a: Peers, b: Peers): void;
  /** Ends the partition between the two groups; without arguments, ends every partition. */
  heal(a?: Peers, b?: Peers): void;
  /**
   * Cuts the link between `a` and `b`: both `incoming$` complete at once and frames in flight are
   * dropped. The pair stays unlinked (also across re-joins) until `reconnect(a, b)`.
   */
  disconnect(a: string, b: string): void;
  /**
   * Links `a` and `b` with a fresh pair of Connections (closing the current pair first, if any);
   * the peer that joined later initiates. When one of them has not joined, only lifts a
   * `disconnect`: they link when both are there. Throws if the topology never links them.
   */
  reconnect(a: string, b: string): void;
  /** Whether `a` and `b` currently have an open pair of Connections. */
  isConnected(a: string, b: string): boolean;

  /** Replaces the faults applied to every link (each link's own `setLinkFaults` still wins field by
   * field). `setFaults({})` removes them. */
  setFaults(faults: LinkFaults): void;
  /**
   * Replaces the faults of the link between `a` and `b`, in both directions, or only from `a` to
   * `b` with `{ oneWay: true }`. Fields left out fall back to `setFaults`; `{}` clears the override.
   */
  setLinkFaults(a: string, b: string, faults: LinkFaults, options?: { oneWay?: boolean }): void;

  /** Totals over every direction. */
  counters(): TrafficCounters;
  /** Counters of the frames sent by `from` to `to` (zeros when none). */
  counters(from: string, to: string): TrafficCounters;
  /** Counters of every direction that carried traffic since the last reset. */
  countersByDirection(): readonly DirectionCounters[];
  resetCounters(): void;

  /**
   * Every delivered copy of a frame, at delivery time, just before the receiver sees it. Hot:
   * subscribe before traffic starts. Completes on `close()`.
   */
  readonly traffic$: Observable<TrafficEvent>;
  /** Frames scheduled for delivery and not yet delivered (0 means the network is quiet). */
  inFlight(): number;

  /**
   * Tears everything down: every link closes (frames in flight dropped, their scheduled actions
   * cancelled, so nothing stays scheduled), every peer's transport completes, `traffic$`
   * completes. Idempotent.
   */
  close(): void;
}

interface Slot {
  readonly name: string;
  /** Join order; the larger one initiates. */
  readonly seq: number;
  readonly subscriber: Subscriber<Connection>;
}

interface Direction {
  readonly from: string;
  readonly to: string;
  readonly counters: MutableCounters;
}

const NO_FAULTS: Required<LinkFaults> = { drop: 0, duplicate: 0, reorder: 0, delay: 0 };

/**
 * Creates an in-process network. See {@link InProcessNetworkOptions} for the options and their
 * defaults.
 *
 * ```ts
 * const net = createInProcessNetwork({ scheduler, topology: { star: "hub" }, seed: 7 })
 * const hub = createRepo({ transports: [net.peer("hub")], scheduler })
 * const alice = createRepo({ transports: [net.peer("alice")], scheduler })
 * net.setFaults({ drop: 0.1, reorder: 5 })
 * net.partition("alice", "hub"); …; net.heal()
 * ```
 */
export function createInProcessNetwork(options: InProcessNetworkOptions = {}): InProcessNetwork {
  const scheduler: SchedulerLike = options.scheduler ?? asapScheduler;
  const latency = options.latency ?? 0;
  const seed = options.seed ?? 1;
  const { codec } = options;
  const allowed = allowsLink(options.topology ?? "mesh");
  checkDelay("latency", latency);

  let globalFaults: LinkFaults = checkFaults(options.faults ?? {});
  const directionFaults = new Map<string, LinkFaults>();
  // Invalidated on every fault change; spares a merge per frame.
  const effective = new Map<string, EffectiveFaults>();
  const rngs = new Map<string, Rng>();
  let directions = new Map<string, Direction>();
  const partitions = new Set<string>();
  const cuts = new Set<string>();
  const peers = new Map<string, Slot>();
  const links = new Map<string, Link>();
  const traffic = new Subject<TrafficEvent>();
  let joins = 0;
  let closed = false;

  const directionKey = (from: string, to: string) => `${from}\0${to}`;

  const ctx: LinkContext = {
    scheduler,
    codec,
    counters(from, to) {
      const key = directionKey(from, to);
      let direction = directions.get(key);
      if (!direction) {
        direction = { from, to, counters: emptyCounters() };
        directions.set(key, direction);
      }
      return direction.counters;
    },
    faults(from, to) {
      const key = directionKey(from, to);
      let faults = effective.get(key);
      if (!faults) {
        const merged = { ...NO_FAULTS, ...globalFaults, ...directionFaults.get(key) };
        faults = { ...merged, delay: latency + merged.delay };
        effective.set(key, faults);
      }
      return faults;
    },
    rng(from, to) {
      const key = directionKey(from, to);
      let rng = rngs.get(key);
      if (!rng) {
        // One stream per direction: faults on one link do not shift with traffic elsewhere.
        rng = mulberry32(deriveSeed(seed, key));
        rngs.set(key, rng);
      }
      return rng;
    },
    partitioned: (a, b) => partitions.size > 0 && partitions.has(pairKey(a, b)),
    delivered(event) {
      if (traffic.observed) traffic.next(event);
    },
    closed(link) {
      const key = pairKey(link.name(0), link.name(1));
      if (links.get(key) === link) links.delete(key);
    },
  };

  function openLink(x: Slot, y: Slot): void {
    const [earlier, later] = x.seq < y.seq ? [x, y] : [y, x];
    const link = new Link(ctx, earlier.name, later.name);
    links.set(pairKey(x.name, y.name), link);
    earlier.subscriber.next(link.connection(0));
    // The earlier side's handler may already have closed the link or made a peer leave.
    if (!link.closed && peers.get(later.name) === later) later.subscriber.next(link.connection(1));
  }

  function join(name: string, subscriber: Subscriber<Connection>): Slot | undefined {
    if (closed) {
      subscriber.complete();
      return undefined;
    }
    if (peers.has(name)) {
      subscriber.error(
        new Error(`in-process network: peer "${name}" has already joined; unsubscribe it first`),
      );
      return undefined;
    }
    const slot: Slot = { name, seq: ++joins, subscriber };
    peers.set(name, slot);
    // A snapshot: handlers run inside next() and may make peers join or leave.
    for (const other of [...peers.values()]) {
      if (subscriber.closed || peers.get(name) !== slot) break;
      if (other === slot || peers.get(other.name) !== other) continue;
      const key = pairKey(name, other.name);
      if (allowed(name, other.name) && !cuts.has(key) && !links.has(key)) openLink(other, slot);
    }
    return slot;
  }

  function leave(slot: Slot): void {
    if (peers.get(slot.name) !== slot) return;
    peers.delete(slot.name);
    for (const link of [...links.values()]) {
      if (link.name(0) === slot.name) link.close(0);
      else if (link.name(1) === slot.name) link.close(1);
    }
  }

  function pairs(a: Peers, b: Peers): string[] {
    const keys: string[] = [];
    for (const x of typeof a === "string" ? [a] : a)
      for (const y of typeof b === "string" ? [b] : b) if (x !== y) keys.push(pairKey(x, y));
    return keys;
  }

  function counters(from?: string, to?: string): TrafficCounters {
    if (from !== undefined && to !== undefined) {
      const direction = directions.get(directionKey(from, to));
      return snapshotCounters(direction?.counters ?? emptyCounters(), codec !== undefined);
    }
    const total = emptyCounters();
    for (const direction of directions.values()) addCounters(total, direction.counters);
    return snapshotCounters(total, codec !== undefined);
  }

  return {
    peer: (name) =>
      new Observable<Connection>((subscriber) => {
        const slot = join(name, subscriber);
        return () => {
          if (slot) leave(slot);
        };
      }),

    partition(a, b) {
      for (const key of pairs(a, b)) partitions.add(key);
    },
    heal(a, b) {
      if (a === undefined || b === undefined) partitions.clear();
      else for (const key of pairs(a, b)) partitions.delete(key);
    },
    disconnect(a, b) {
      if (closed) return;
      const key = pairKey(a, b);
      cuts.add(key);
      links.get(key)?.close();
    },
    reconnect(a, b) {
      if (closed) return;
      if (!allowed(a, b)) {
        throw new Error(`in-process network: the topology never links "${a}" and "${b}"`);
      }
      const key = pairKey(a, b);
      cuts.delete(key);
      links.get(key)?.close();
      const x = peers.get(a);
      const y = peers.get(b);
      if (x && y) openLink(x, y);
    },
    isConnected: (a, b) => links.has(pairKey(a, b)),

    setFaults(faults) {
      globalFaults = checkFaults(faults);
      effective.clear();
    },
    setLinkFaults(a, b, faults, { oneWay = false } = {}) {
      const checked = checkFaults(faults);
      directionFaults.set(directionKey(a, b), checked);
      if (!oneWay) directionFaults.set(directionKey(b, a), checked);
      effective.clear();
    },

    counters,
    countersByDirection: () =>
      [...directions.values()].map(({ from, to, counters: c }) =>
        Object.freeze({ from, to, ...snapshotCounters(c, codec !== undefined) }),
      ),
    resetCounters() {
      directions = new Map();
    },

    traffic$: traffic.asObservable(),
    inFlight() {
      let n = 0;
      for (const link of links.values()) n += link.inFlight;
      return n;
    },

    close() {
      if (closed) return;
      closed = true;
      for (const link of [...links.values()]) link.close();
      const slots = [...peers.values()];
      peers.clear();
      for (const slot of slots) slot.subscriber.complete();
      traffic.complete();
    },
  };
}

function checkFaults(faults: LinkFaults): LinkFaults {
  for (const field of ["drop", "duplicate"] as const) {
    const p = faults[field];
    if (p !== undefined && !(p >= 0 && p <= 1)) {
      throw new RangeError(
        `in-process network: ${field} must be a probability in [0, 1], got ${p}`,
      );
    }
  }
  checkDelay("reorder", faults.reorder ?? 0);
  checkDelay("delay", faults.delay ?? 0);
  return { ...faults };
}

function checkDelay(field: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms >= 0)) {
    throw new RangeError(
      `in-process network: ${field} must be a finite number of ms >= 0, got ${ms}`,
    );
  }
}
