import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";

/**
 * Yields until `predicate` holds: a few event-loop turns first (in-process delivery is on
 * microtasks), then short sleeps (real sockets). Fails with `what` after `ms` — a bound on
 * waiting, never a performance assertion.
 */
export const eventually = async (what: string, predicate: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  for (let turn = 0; ; turn++) {
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await (turn < 200 ? nextTurn() : sleep(5));
  }
};

export const text = (doc: { getText(name: string): { toString(): string } }) =>
  doc.getText("text").toString();
