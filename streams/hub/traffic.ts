/**
 * Counts what the hub's network connections carry, for the status line: connected peers and
 * frames in each direction (a `channel/batch` is one frame, as it is one WebSocket message).
 */
import { map } from "rxjs";
import type { Transport } from "../transport.js";
import { tapConnection } from "./tap-connection.js";

export interface TrafficCounts {
  readonly peers: number;
  /** Totals since start. */
  readonly framesIn: number;
  readonly framesOut: number;
}

export interface Traffic {
  watch(network: Transport): Transport;
  counts(): TrafficCounts;
}

export const createTraffic = (): Traffic => {
  let peers = 0;
  let framesIn = 0;
  let framesOut = 0;
  return {
    watch: (network) =>
      network.pipe(
        map((connection) => {
          peers++;
          let ended = false;
          return tapConnection(connection, {
            received: () => {
              framesIn++;
            },
            sent: () => {
              framesOut++;
            },
            ended: () => {
              if (ended) return;
              ended = true;
              peers--;
            },
          });
        }),
      ),
    counts: () => ({ peers, framesIn, framesOut }),
  };
};
