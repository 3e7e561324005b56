/**
 * `synchronize`: the pure program as an RxJS operator — `scan(update)` plus sharing.
 *
 * ```
 * inputs:      --a----b--c--|
 * synchronize(model0)
 * transitions: --A----B--C--|     A = { input: a, model: update(model0, a)[0], commands: … }
 * ```
 *
 * For users who bring their own inputs and effects; `createEngine` uses it with its run loop.
 * The output is shared (one fold whatever the number of subscribers) and does not replay: a late
 * subscriber sees transitions from then on.
 */
import { type OperatorFunction, scan, share } from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import type { Model } from "../../src/program/model.js";
import type { Permissions } from "../../src/program/permissions.js";
import { update } from "../../src/program/update.js";

export interface Transition {
  readonly input: Input;
  readonly model: Model;
  readonly commands: readonly Command[];
}

export interface SynchronizeOptions {
  /** The spec §5.4 predicates. Default: the reference defaults (deletion denied). */
  readonly permissions?: Permissions;
}

export const synchronize =
  (initial: Model, options: SynchronizeOptions = {}): OperatorFunction<Input, Transition> =>
  (input$) =>
    input$.pipe(
      scan<Input, Transition, { readonly model: Model }>(
        (previous, input) => {
          const [model, commands] = update(previous.model, input, options.permissions);
          return { input, model, commands };
        },
        { model: initial },
      ),
      share(),
    );
