/** Program events go out on the engine's `events$`. */
import { ignoreElements, tap } from "rxjs";
import { type Effect, ofType } from "./effect.js";

export const emitEffect: Effect = (commands$, context) =>
  commands$.pipe(
    ofType("emit"),
    tap((command) => context.report(command.event)),
    ignoreElements(),
  );
