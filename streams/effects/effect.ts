/** Helpers for writing effects; the effect shape itself is a port (`ports/effect-context.ts`). */
import type { OperatorFunction } from "rxjs";
import { filter } from "rxjs";
import type { Command } from "../../src/program/commands.js";
import type { CommandOf } from "../ports/effect-context.js";

export type { CommandOf, Effect, EffectContext } from "../ports/effect-context.js";

/** Narrows the command stream to some command types. */
export const ofType = <T extends Command["type"]>(
  ...types: T[]
): OperatorFunction<Command, CommandOf<T>> =>
  filter((c): c is CommandOf<T> => (types as string[]).includes(c.type));
