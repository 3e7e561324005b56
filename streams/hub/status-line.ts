/**
 * The hub's periodic status line: peers connected, documents loaded, frames per second each way.
 * A line is written only when something happened since the last one (traffic, or a change in
 * peers or documents), so an idle hub stays quiet and a log shows when activity stopped.
 */
import { filter, interval, map, type Observable, type SchedulerLike, scan } from "rxjs";

export interface StatusSample {
  readonly peers: number;
  readonly documents: number;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Refusals since start, by code. */
  readonly refused?: Readonly<Record<string, number>>;
}

const total = (refused: StatusSample["refused"]): number =>
  Object.values(refused ?? {}).reduce((a, b) => a + b, 0);

const rate = (frames: number, seconds: number): string => (frames / seconds).toFixed(1);

/** The line for `next`, or `undefined` when nothing changed since `previous`. */
export const formatStatus = (
  previous: StatusSample,
  next: StatusSample,
  seconds: number,
): string | undefined => {
  const framesIn = next.framesIn - previous.framesIn;
  const framesOut = next.framesOut - previous.framesOut;
  if (
    framesIn === 0 &&
    framesOut === 0 &&
    next.peers === previous.peers &&
    next.documents === previous.documents &&
    total(next.refused) === total(previous.refused)
  ) {
    return undefined;
  }
  const refused = Object.entries(next.refused ?? {})
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
  return (
    `loro-rx hub: ${next.peers} peer${next.peers === 1 ? "" : "s"}, ` +
    `${next.documents} document${next.documents === 1 ? "" : "s"} loaded, ` +
    `${rate(framesIn, seconds)} msg/s in, ${rate(framesOut, seconds)} msg/s out` +
    (refused === "" ? "" : `; refused: ${refused}`)
  );
};

const NOTHING: StatusSample = { peers: 0, documents: 0, framesIn: 0, framesOut: 0 };

/** Status lines every `intervalMs` on `scheduler`, skipping quiet intervals. */
export const statusLines = (
  sample: () => StatusSample,
  intervalMs: number,
  scheduler: SchedulerLike,
): Observable<string> =>
  interval(intervalMs, scheduler).pipe(
    scan(
      (acc: { last: StatusSample; line: string | undefined }) => {
        const next = sample();
        return { last: next, line: formatStatus(acc.last, next, intervalMs / 1000) };
      },
      { last: NOTHING, line: undefined },
    ),
    map((acc) => acc.line),
    filter((line): line is string => line !== undefined),
  );
