import { documentEffect } from "./document-effect.js";
import type { Effect } from "./effect.js";
import { emitEffect } from "./emit-effect.js";
import { presenceEffect } from "./presence-effect.js";
import { sendEffect } from "./send-effect.js";

export { type CommandOf, type Effect, type EffectContext, ofType } from "./effect.js";
export { buildTransmission } from "./send-effect.js";

/** The effects every engine runs, in the order they see each command. */
export const defaultEffects: readonly Effect[] = [
  documentEffect,
  sendEffect,
  presenceEffect,
  emitEffect,
];
