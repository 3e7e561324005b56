/**
 * Recording and replay. The program is pure, so folding a recorded input stream again rebuilds
 * exactly the model the engine had: record a session where it misbehaves, replay it in a test.
 *
 * ```
 * engine.inputs$ ──recordInputs(log)──▶ (unchanged)      log = [a, b, c]
 * replay(log, { identity, session })  ≡  update(update(update(init, a), b), c)
 * ```
 */
import { type MonoTypeOperatorFunction, tap } from "rxjs";
import type { Input } from "../../src/program/inputs.js";
import { init, type Model } from "../../src/program/model.js";
import type { Permissions } from "../../src/program/permissions.js";
import { update } from "../../src/program/update.js";
import type { Identity } from "../../src/protocol/messages.js";

/** Passes inputs through, appending each to `log`. */
export const recordInputs = (log: Input[]): MonoTypeOperatorFunction<Input> =>
  tap((input) => log.push(input));

export interface ReplayOptions {
  readonly identity: Identity;
  /** The same (deterministic) predicates the recorded engine used. */
  readonly permissions?: Permissions;
  /** The recorded engine's resume session (`engine.model().session`, docs/RESUME.md §1). */
  readonly session?: string;
}

/** Folds recorded inputs from the empty model. */
export const replay = (inputs: Iterable<Input>, options: ReplayOptions): Model => {
  let model = init(
    options.session === undefined
      ? { identity: options.identity }
      : { identity: options.identity, session: options.session },
  );
  for (const input of inputs) model = update(model, input, options.permissions)[0];
  return model;
};
