/**
 * Public types of the in-process network: options, faults, topology, counters, traffic events.
 */
import type { SchedulerLike } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";

/** A frame as a real socket would carry it: text or binary. */
export type Frame = string | Uint8Array;

/**
 * A wire encoding the network passes every message through, so that tests and benchmarks pay the
 * real encoding cost and the receiver sees exactly what a socket peer would decode.
 */
export interface FrameCodec {
  /** Called once per `send`, on the sender's side. May throw: the message is then reported on the
   * sender's `problems$` as `unencodable_message` and not sent. */
  encode(message: ChannelMsg): Frame;
  /** Called once per delivered copy, on the receiver's side. May throw: the frame is then reported
   * on the receiver's `problems$` as `undecodable_frame` and not delivered. */
  decode(frame: Frame): unknown;
}

/**
 * Faults applied to the frames of one direction of a link. Every field defaults to "no fault".
 * Random choices come from the network's seeded PRNG, so a given seed, configuration and sequence
 * of sends always yields the same outcome.
 */
export interface LinkFaults {
  /** Probability in [0, 1] that a frame is lost. Default `0`. */
  readonly drop?: number;
  /** Probability in [0, 1] that a frame is delivered twice. Default `0`. */
  readonly duplicate?: number;
  /**
   * Largest random extra delay in ms: each copy of a frame waits an extra whole number of ms drawn
   * uniformly from `[0, reorder]`, so later frames can overtake earlier ones. Default `0`.
   */
  readonly reorder?: number;
  /** Fixed extra delay in ms, added to the network's `latency`. Default `0`. */
  readonly delay?: number;
}

/**
 * Which pairs of joined peers are linked.
 * - `"mesh"`: every pair (the default).
 * - `{ star: hub }`: only pairs that include `hub`; spokes are never linked to each other.
 * - `{ links: [[a, b], …] }`: only the listed pairs (unordered).
 */
export type Topology =
  | "mesh"
  | { readonly star: string }
  | { readonly links: readonly (readonly [string, string])[] };

export interface InProcessNetworkOptions {
  /**
   * Drives every delivery and delay. Default `asapScheduler`: delivery happens on a later
   * microtask, never inside `send()`. Pass a `TestScheduler` (or run under `TestScheduler.run`) for
   * virtual time. A synchronous scheduler (`queueScheduler`) would deliver inside `send()` and
   * break the transport contract.
   */
  readonly scheduler?: SchedulerLike;
  /** Base delay in ms of every frame, on every link. Default `0`. */
  readonly latency?: number;
  /** Seed of the mulberry32 PRNG behind every random fault. Default `1`. */
  readonly seed?: number;
  /**
   * Passes each message through a real wire encoding (and counts its bytes). Default: none;
   * messages are handed over as deep copies (`structuredClone`, taken at `send()` time), so the
   * receiver can never mutate the sender's object nor see later changes to it.
   */
  readonly codec?: FrameCodec;
  /** Which joined peers get linked. Default `"mesh"`. */
  readonly topology?: Topology;
  /** Faults on every link from the start; see `setFaults`. Default: none. */
  readonly faults?: LinkFaults;
}

/** Traffic figures of one direction, or summed over all directions. */
export interface TrafficCounters {
  /** Frames written by senders on open connections (before any fault). */
  readonly frames: number;
  /** Protocol messages in those frames: a `channel/batch` counts its inner messages. */
  readonly messages: number;
  /**
   * Encoded bytes of those frames (UTF-8 length of a text frame, byte length of a binary frame).
   * Present only when the network has a `codec`: without one nothing is encoded.
   */
  readonly bytes?: number;
  /** Copies handed to the receiving connection (duplicates included). */
  readonly delivered: number;
  /** Frames lost: `drop` fault, partition, in flight when the link went down, or undecodable. */
  readonly dropped: number;
  /** Extra copies created by the `duplicate` fault. */
  readonly duplicated: number;
}

/** Counters of one direction of traffic. */
export interface DirectionCounters extends TrafficCounters {
  readonly from: string;
  readonly to: string;
}

/** One delivered copy of a frame, as the receiver got it. */
export interface TrafficEvent {
  readonly from: string;
  readonly to: string;
  /** The value emitted on the receiver's `incoming$` (decoded when a codec is set). */
  readonly message: unknown;
  /** `scheduler.now()` at delivery. */
  readonly at: number;
}
