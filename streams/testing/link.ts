/**
 * One link of the in-process network: a pair of connected Connections and the frames in flight
 * between them. The network decides policy (faults, partitions, counters); the link carries frames
 * through the scheduler and owns the lifecycle of its two ends.
 */
import { type SchedulerLike, Subject, type Subscription } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection, TransportProblem } from "../transport.js";
import type { FrameCodec, TrafficEvent } from "./network-types.js";
import type { Rng } from "./prng.js";
import { frameBytes, type MutableCounters, messageCount } from "./traffic-counters.js";

/** Faults of one direction with every default filled in; `delay` already includes latency. */
export interface EffectiveFaults {
  readonly drop: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly delay: number;
}

/** What a link asks of its network. Looked up per frame, so changes apply to the next frame. */
export interface LinkContext {
  readonly scheduler: SchedulerLike;
  readonly codec: FrameCodec | undefined;
  counters(from: string, to: string): MutableCounters;
  faults(from: string, to: string): EffectiveFaults;
  rng(from: string, to: string): Rng;
  partitioned(a: string, b: string): boolean;
  delivered(event: TrafficEvent): void;
  /** Called once, before either end completes, so handlers of the completion see the link gone. */
  closed(link: Link): void;
}

/** 0 is the peer that joined first (the responder), 1 the later one (the handshake initiator). */
export type Side = 0 | 1;

interface End {
  readonly name: string;
  readonly incoming: Subject<unknown>;
  readonly problems: Subject<TransportProblem>;
  readonly connection: Connection;
}

interface Flight {
  readonly counters: MutableCounters;
  action: Subscription | undefined;
}

export class Link {
  private readonly ends: readonly [End, End];
  private readonly flights = new Set<Flight>();
  private isClosed = false;

  constructor(
    private readonly ctx: LinkContext,
    responder: string,
    initiator: string,
  ) {
    this.ends = [this.makeEnd(responder, 0), this.makeEnd(initiator, 1)];
  }

  get closed(): boolean {
    return this.isClosed;
  }

  name(side: Side): string {
    return this.ends[side].name;
  }

  connection(side: Side): Connection {
    return this.ends[side].connection;
  }

  /** Frames scheduled for delivery and not yet delivered. */
  get inFlight(): number {
    return this.flights.size;
  }

  /**
   * Takes the link down: frames in flight are dropped and their scheduled actions cancelled, then
   * both `incoming$` complete, `first` side first.
   */
  close(first: Side = 0): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const flight of this.flights) {
      flight.action?.unsubscribe();
      flight.counters.dropped++;
    }
    this.flights.clear();
    this.ctx.closed(this);
    for (const side of first === 0 ? ([0, 1] as const) : ([1, 0] as const)) {
      this.ends[side].incoming.complete();
      this.ends[side].problems.complete();
    }
  }

  private makeEnd(name: string, side: Side): End {
    const incoming = new Subject<unknown>();
    const problems = new Subject<TransportProblem>();
    const connection: Connection = {
      kind: "network",
      adapterType: "in-process",
      initiator: side === 1,
      incoming$: incoming.asObservable(),
      problems$: problems.asObservable(),
      send: (message) => this.send(side, message),
      close: () => this.close(side),
    };
    return { name, incoming, problems, connection };
  }

  private send(side: Side, message: ChannelMsg): void {
    if (this.isClosed) return;
    const from = this.ends[side];
    const toSide: Side = side === 0 ? 1 : 0;
    const to = this.ends[toSide];
    const { ctx } = this;
    const faults = ctx.faults(from.name, to.name);
    const rng = ctx.rng(from.name, to.name);
    // Draw order is fixed (drop, duplicate, then one jitter per copy) so a seed replays exactly.
    const count = ctx.partitioned(from.name, to.name) ? 0 : copiesOf(faults, rng);

    let wire: { readonly bytes: number; readonly copies: readonly (() => unknown)[] };
    try {
      wire = this.encode(message, count);
    } catch (error) {
      from.problems.next({
        code: "unencodable_message",
        message: `in-process network: cannot encode a ${describe(message)} from "${from.name}" to "${to.name}": ${String(error)}`,
      });
      return;
    }

    const counters = ctx.counters(from.name, to.name);
    counters.frames++;
    counters.messages += messageCount(message);
    counters.bytes += wire.bytes;
    if (count === 0) counters.dropped++;
    counters.duplicated += Math.max(0, count - 1);
    for (const open of wire.copies) {
      const jitter = faults.reorder > 0 ? Math.floor(rng() * (faults.reorder + 1)) : 0;
      this.schedule(toSide, counters, open, faults.delay + jitter);
    }
  }

  /**
   * Encoding happens at send time, as on a socket: the sender pays for it, and later changes to
   * the message object cannot leak into the frame. A lost frame is still encoded (it was written).
   */
  private encode(
    message: ChannelMsg,
    count: number,
  ): { readonly bytes: number; readonly copies: readonly (() => unknown)[] } {
    const { codec } = this.ctx;
    const copies: (() => unknown)[] = [];
    if (codec) {
      const frame = codec.encode(message);
      for (let i = 0; i < count; i++) copies.push(() => codec.decode(frame));
      return { bytes: frameBytes(frame), copies };
    }
    // One deep copy per delivered copy: a receiver that mutates its message affects neither the
    // sender nor the other copy.
    for (let i = 0; i < count; i++) {
      const copy: unknown = structuredClone(message);
      copies.push(() => copy);
    }
    return { bytes: 0, copies };
  }

  private schedule(
    toSide: Side,
    counters: MutableCounters,
    open: () => unknown,
    delay: number,
  ): void {
    const flight: Flight = { counters, action: undefined };
    this.flights.add(flight);
    const action = this.ctx.scheduler.schedule(() => {
      this.flights.delete(flight);
      this.deliver(toSide, counters, open);
    }, delay);
    // A synchronous scheduler has already run (and forgotten) the flight; keep no stale handle.
    if (this.flights.has(flight)) flight.action = action;
  }

  private deliver(toSide: Side, counters: MutableCounters, open: () => unknown): void {
    if (this.isClosed) return;
    const to = this.ends[toSide];
    const from = this.ends[toSide === 0 ? 1 : 0];
    // A partition also swallows frames that were already on their way when it started.
    if (this.ctx.partitioned(from.name, to.name)) {
      counters.dropped++;
      return;
    }
    let message: unknown;
    try {
      message = open();
    } catch (error) {
      counters.dropped++;
      to.problems.next({
        code: "undecodable_frame",
        message: `in-process network: cannot decode a frame from "${from.name}" to "${to.name}": ${String(error)}`,
      });
      return;
    }
    counters.delivered++;
    this.ctx.delivered({ from: from.name, to: to.name, message, at: this.ctx.scheduler.now() });
    to.incoming.next(message);
  }
}

function copiesOf(faults: EffectiveFaults, rng: Rng): number {
  if (faults.drop > 0 && rng() < faults.drop) return 0;
  return faults.duplicate > 0 && rng() < faults.duplicate ? 2 : 1;
}

// Tests send malformed messages on purpose; describing them must not throw.
function describe(message: unknown): string {
  const type =
    typeof message === "object" && message !== null && "type" in message ? message.type : undefined;
  return typeof type === "string" ? type : "message";
}
