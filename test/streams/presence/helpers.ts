/**
 * Presence rooms in virtual time: repos on the in-process network, all on one TestScheduler, with
 * every delivered presence frame written as a readable line, e.g.
 * `10001 hub→a [eph(d/cursors by 9: 1,2,3, h0)]` (keys of the payload after "by <encoder>:").
 *
 * Loro stamps presence entries with `Date.now()`; here that clock follows the virtual one, as a
 * wall clock follows real time, so refreshes look like refreshes (see PresenceRoom).
 */
import { EphemeralStoreWasm } from "loro-crdt";
import { TestScheduler } from "rxjs/testing";
import {
  type ChannelMsg,
  createRepo,
  type Repo,
  type RepoOptions,
} from "../../../streams/index.js";
import {
  createInProcessNetwork,
  type InProcessNetwork,
  type InProcessNetworkOptions,
} from "../../../streams/testing/index.js";

/** Keys (live entries) in a loro ephemeral encoding, sorted. */
export const keysIn = (data: Uint8Array): string[] => {
  const store = new EphemeralStoreWasm(2_147_483_647);
  try {
    store.apply(data);
    return store.keys().sort();
  } finally {
    store.free();
  }
};

/** One line per presence message; other messages are shown by type only. */
export const describeFrame = (m: ChannelMsg): string => {
  switch (m.type) {
    case "channel/ephemeral":
      return m.stores
        .map((s) =>
          s.data.length === 0
            ? `eph(${m.docId}/${s.namespace} −${s.peerId}, h${m.hopsRemaining})`
            : `eph(${m.docId}/${s.namespace} by ${s.peerId}: ${keysIn(s.data).join(",")}, h${m.hopsRemaining})`,
        )
        .join(", ");
    case "channel/batch":
      return `[${m.messages.map(describeFrame).join(", ")}]`;
    default:
      return m.type.slice(8);
  }
};

export const carriesPresence = (m: ChannelMsg): boolean =>
  m.type === "channel/ephemeral" ||
  (m.type === "channel/batch" && m.messages.some(carriesPresence));

export interface Room {
  readonly scheduler: TestScheduler;
  readonly net: InProcessNetwork;
  /** Every delivered frame, as `at from→to description`. */
  readonly log: string[];
  repo(name: string, peerId: string, options?: Partial<RepoOptions>): Repo;
  /** Runs virtual time up to and including `t`. */
  runUntil(t: number): void;
}

/** Loro's clock in tests: any fixed origin will do. */
const EPOCH = 1_700_000_000_000;

/**
 * Runs `body` in virtual time, then closes every repo and the network and waits for the closes.
 * Returns the scheduler, so a test can check that nothing is left scheduled.
 */
export const virtualRoom = async (
  network: Omit<InProcessNetworkOptions, "scheduler">,
  body: (room: Room) => void,
): Promise<TestScheduler> => {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const clock = jest.spyOn(Date, "now").mockImplementation(() => EPOCH + scheduler.now());
  const repos: Repo[] = [];
  let closing: Promise<void>[] = [];
  try {
    scheduler.run(() => {
      const net = createInProcessNetwork({ latency: 1, ...network, scheduler });
      const log: string[] = [];
      net.traffic$.subscribe((e) =>
        log.push(`${e.at} ${e.from}→${e.to} ${describeFrame(e.message as ChannelMsg)}`),
      );
      body({
        scheduler,
        net,
        log,
        repo(name, peerId, options = {}) {
          const repo = createRepo({
            identity: { peerId, name },
            transports: [net.peer(name)],
            scheduler,
            ...options,
          });
          repos.push(repo);
          return repo;
        },
        runUntil(t) {
          scheduler.maxFrames = t;
          scheduler.flush();
          // The clock stops at the last action run; move it on to `t` (nothing is due before).
          scheduler.frame = Math.max(scheduler.frame, t);
        },
      });
      closing = repos.map((r) => r.close());
      net.close();
      // The heartbeats stop once the closes settle, after `run` returns: its final flush must
      // not chase them forever.
      scheduler.maxFrames = scheduler.now();
    });
    await Promise.all(closing);
  } finally {
    clock.mockRestore();
  }
  return scheduler;
};

/** Lines of the log delivered within [from, to]. */
export const between = (log: readonly string[], from: number, to: number): string[] =>
  log.filter((line) => {
    const at = Number(line.slice(0, line.indexOf(" ")));
    return at >= from && at <= to;
  });
