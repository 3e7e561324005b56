/**
 * A Redis bus in this process, against the real (shared) Redis under a key prefix of its own, with
 * the messages it hands the engine recorded. The tests drive it by hand as the engine would, and
 * play the other hubs with their own Redis client. `closeBuses` (in `afterEach`) closes every bus a
 * test started and deletes its keys, even when the test failed.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Subscription } from "rxjs";
import type { ChannelMsg } from "../../../src/protocol/messages.js";
import {
  type RedisBus,
  type RedisBusOptions,
  redisBus,
} from "../../../streams/cluster/redis-bus.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import type { StorageBackend } from "../../../streams/storage/storage-backend.js";
import type { Connection } from "../../../streams/transport.js";
import { sharedRedisUrl } from "./cluster-process.js";

export interface BusUnderTest {
  readonly bus: RedisBus;
  /** The bus's channel to the engine (throws before the bus offered one). */
  readonly connection: Connection;
  /** Everything the bus sent the engine, in order. */
  readonly received: ChannelMsg[];
  /** A client of our own, to act as the other hubs. */
  readonly redis: Redis;
  readonly prefix: string;
  /** The storage the bus answers from (what PostgreSQL is to a cluster). */
  readonly store: StorageBackend;
}

const open = new Set<() => Promise<void>>();

export const closeBuses = async (): Promise<void> => {
  const closers = [...open];
  open.clear();
  await Promise.all(closers.map((close) => close()));
};

/** Starts a bus (`trimEveryMs` 0, `blockMs` 200 unless given) and waits until it is connected. */
export const startBus = async (
  options: Omit<Partial<RedisBusOptions>, "url" | "backend" | "keyPrefix" | "hubId"> = {},
): Promise<BusUnderTest> => {
  const prefix = `loro-rx-test-${randomBytes(4).toString("hex")}:`;
  const store = memoryStorage();
  const bus = redisBus({
    trimEveryMs: 0,
    blockMs: 200,
    ...options,
    url: sharedRedisUrl(),
    backend: store,
    keyPrefix: prefix,
    hubId: "hub-under-test",
  });
  const received: ChannelMsg[] = [];
  let connection: Connection | undefined;
  const subs: Subscription[] = [];
  subs.push(
    bus.subscribe((c) => {
      connection = c;
      subs.push(c.incoming$.subscribe((m) => received.push(m as ChannelMsg)));
    }),
  );
  const redis = new Redis(sharedRedisUrl());
  open.add(async () => {
    for (const s of subs) s.unsubscribe();
    await bus.whenClosed();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  if (!(await bus.whenConnected(10_000))) throw new Error("the bus did not connect to Redis");
  return {
    bus,
    get connection() {
      if (connection === undefined) throw new Error("the bus has no connection");
      return connection;
    },
    received,
    redis,
    prefix,
    store,
  };
};
