/**
 * A Connection that behaves exactly like the one it wraps but lets the hub watch what crosses it:
 * the durability tracker reads what storage accepts and reports, the traffic counters count frames.
 * Watching happens at the Connection boundary so that the engine stays untouched.
 */
import { finalize, tap } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection } from "../transport.js";

export interface ConnectionTaps {
  /** After the wrapped connection's `send` returned (the message is in its hands). */
  readonly sent?: (message: ChannelMsg) => void;
  /** Each frame on `incoming$`, before the engine sees it. */
  readonly received?: (frame: unknown) => void;
  /** `incoming$` completed or was unsubscribed: the connection is over for the engine. */
  readonly ended?: () => void;
}

export const tapConnection = (connection: Connection, taps: ConnectionTaps): Connection => {
  const { sent, received, ended } = taps;
  let incoming$ = connection.incoming$;
  if (received !== undefined) incoming$ = incoming$.pipe(tap(received));
  if (ended !== undefined) incoming$ = incoming$.pipe(finalize(ended));
  const { problems$, flush, principal } = connection;
  return {
    kind: connection.kind,
    adapterType: connection.adapterType,
    initiator: connection.initiator,
    ...(principal === undefined ? {} : { principal }),
    incoming$,
    send(message) {
      connection.send(message);
      sent?.(message);
    },
    close: (reason) => connection.close(reason),
    ...(problems$ === undefined ? {} : { problems$ }),
    ...(flush === undefined ? {} : { flush: () => flush.call(connection) }),
  };
};
