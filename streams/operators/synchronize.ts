/**
 * `synchronize`: the pure program as an RxJS operator — `scan(update)` behind the ordering of
 * spec §5.3 (`runToCompletion`), shared.
 *
 * ```
 * inputs:      --a----b--c--|
 * synchronize(model0)
 * transitions: --A----B--C--|     A = { input: a, model: update(model0, a)[0], commands: … }
 * ```
 *
 * Safe to compose: an input pushed into the source (or raised on `feedback$`) while a
 * transition is being handled — an effect's feedback, typically — waits until that transition's
 * subscribers have returned, and goes ahead of received messages already waiting. A plain
 * `scan` would run it depth-first, in the middle of the current input's commands, which §5.3
 * forbids.
 *
 * ```
 * inputs:      --a--------m--|    the subscriber pushes f while handling A
 * transitions: --(AF)-----M--|    F after A, never inside it
 * ```
 *
 * The output is shared (one fold whatever the number of subscribers) and does not replay: a late
 * subscriber sees transitions from then on. To also see quiescence (when batched sends are due),
 * compose the two halves yourself, as `createEngine` does:
 * `input$.pipe(runToCompletion({ feedback$ }), foldInputs(model0))`.
 */
import { defer, filter, map, type Observable, type OperatorFunction, share } from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { Input } from "../../src/program/inputs.js";
import type { Model } from "../../src/program/model.js";
import type { Permissions } from "../../src/program/permissions.js";
import { update } from "../../src/program/update.js";
import { isQuiescent, type Quiescent, runToCompletion } from "./run-to-completion.js";

export interface Transition {
  readonly input: Input;
  readonly model: Model;
  readonly commands: readonly Command[];
}

export interface SynchronizeOptions {
  /** The spec §5.4 predicates. Default: the reference defaults (deletion denied). */
  readonly permissions?: Permissions;
  /** Feedback inputs (an effect's output), ordered as §5.3 says. Default: none. */
  readonly feedback$?: Observable<Input | readonly Input[]>;
}

/**
 * The fold alone, for a stream already ordered by `runToCompletion`: each input becomes its
 * transition; `QUIESCENT` passes through. Each subscription folds from `initial`.
 *
 * ```
 * ordered:     --a-Q--b-c-Q--|
 * foldInputs(model0)
 * output:      --A-Q--B-C-Q--|
 * ```
 */
export const foldInputs =
  (
    initial: Model,
    options: Pick<SynchronizeOptions, "permissions"> = {},
  ): OperatorFunction<Input | Quiescent, Transition | Quiescent> =>
  (ordered$) =>
    defer(() => {
      let model = initial;
      const { permissions } = options;
      return ordered$.pipe(
        map((step): Transition | Quiescent => {
          if (isQuiescent(step)) return step;
          const [next, commands] = update(model, step, permissions);
          model = next;
          return { input: step, model: next, commands };
        }),
      );
    });

export const synchronize =
  (initial: Model, options: SynchronizeOptions = {}): OperatorFunction<Input, Transition> =>
  (input$) =>
    input$.pipe(
      runToCompletion<Input>(
        options.feedback$ !== undefined ? { feedback$: options.feedback$ } : {},
      ),
      foldInputs(initial, options),
      filter((step): step is Transition => !isQuiescent(step)),
      share(),
    );
