/**
 * Presence beside the effects' streams (issue 15, W3). A received `channel/ephemeral` or a local
 * presence change leaves the model as it was and yields only `apply-presence`, `send` and
 * `broadcast-presence` commands; with the default effects, each of those is interpreted by one
 * effect, synchronously and without feedback. Handing every command to the command `Subject`
 * (four effect pipelines, each filtering every command) cost more than applying the presence:
 * a hub relaying one change to K spokes emitted K + 1 commands into four pipelines.
 *
 * The direct path runs those commands itself, in their order, as the effects would. It is
 * taken only where nothing could tell the difference: the transition did not change the model,
 * nobody observes `model$`, `transitions$`, `commands$` or `inputs$`, the engine runs the
 * default effects, and every command is one of the three. The transition is still handled in
 * its turn (inside `runToCompletion`, before the quiescence that flushes), so the ordering of
 * spec §5.3 is untouched.
 */
import type { Command } from "../../src/program/commands.js";
import { runPresenceCommand } from "../effects/presence-effect.js";
import { runSend } from "../effects/send-effect.js";
import type { EffectContext } from "../ports/effect-context.js";

const isDirect = (command: Command): boolean =>
  command.type === "send" ||
  command.type === "apply-presence" ||
  command.type === "broadcast-presence";

/**
 * Runs `commands` when each is one the direct path takes and returns `true`; otherwise runs
 * nothing and returns `false` (the caller hands them to the effects). A command that throws is
 * reported as an effect failing (the effects' `catchError` does the same) and the next runs.
 */
export const createDirectPath =
  (context: EffectContext) =>
  (commands: readonly Command[]): boolean => {
    for (const command of commands) if (!isDirect(command)) return false;
    for (const command of commands) {
      try {
        if (command.type === "send") runSend(context, command);
        else if (command.type === "apply-presence" || command.type === "broadcast-presence") {
          runPresenceCommand(context, command);
        }
      } catch (error) {
        context.report({ type: "effect-error", command: "effect", error: String(error) });
      }
    }
    return true;
  };
