/**
 * Small harness for the in-process network tests: join peers, record what each connection
 * receives, and build throwaway messages.
 */
import { Subscription } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import type { DeleteRequestMsg } from "../../../src/protocol/messages.js";
import type { InProcessNetwork } from "../../../streams/testing/index.js";
import type { Connection } from "../../../streams/transport.js";

export interface Recorded {
  readonly connection: Connection;
  readonly received: unknown[];
  completed: boolean;
  /** The `incoming$` subscription itself: closed once the connection completed. */
  subscription: Subscription;
}

export interface Joined {
  readonly name: string;
  /** Every Connection the transport emitted, in order, with what each received. */
  readonly connections: Recorded[];
  completed: boolean;
  /** The transport subscription itself: closed once the transport completed. */
  subscription: Subscription;
  /** The most recent Connection. */
  last(): Recorded;
}

/** Subscribes `name`'s transport, and each connection's `incoming$` as soon as it arrives. */
export function join(net: InProcessNetwork, name: string): Joined {
  const joined: Joined = {
    name,
    connections: [],
    completed: false,
    subscription: Subscription.EMPTY, // replaced as soon as subscribe() returns
    last() {
      const r = joined.connections[joined.connections.length - 1];
      if (!r) throw new Error(`${name} has no connection`);
      return r;
    },
  };
  joined.subscription = net.peer(name).subscribe({
    next(connection) {
      const recorded: Recorded = {
        connection,
        received: [],
        completed: false,
        subscription: Subscription.EMPTY, // replaced as soon as subscribe() returns
      };
      joined.connections.push(recorded);
      recorded.subscription = connection.incoming$.subscribe({
        next: (m) => recorded.received.push(m),
        complete: () => {
          recorded.completed = true;
        },
      });
    },
    complete: () => {
      joined.completed = true;
    },
  });
  return joined;
}

/** A small valid message; `docId` makes each one recognisable. */
export const msg = (docId: string): DeleteRequestMsg => ({ type: "channel/delete-request", docId });

export const docIds = (received: readonly unknown[]): string[] =>
  received.map((m) => (m as { docId: string }).docId);

/** Deep-equality marbles; no 750-frame cap when flushed outside `run` (long fault scenarios). */
export function newTestScheduler(): TestScheduler {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  return scheduler;
}
