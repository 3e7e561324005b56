import { setImmediate as nextTurn } from "node:timers/promises";

/** Yields to the event loop until `predicate` holds; fails with `what` after `turns` turns. */
export const eventually = async (what: string, predicate: () => boolean, turns = 5_000) => {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await nextTurn();
  }
  throw new Error(`never happened: ${what}`);
};

export const text = (doc: { getText(name: string): { toString(): string } }) =>
  doc.getText("text").toString();
