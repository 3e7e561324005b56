/**
 * What `createPresence` (the application's view of a presence room) needs from the engine: the
 * stores, the event stream that says when they change, and a way to announce a local change.
 * An `Engine` is one; a test can hand in anything else that is.
 */
import type { Observable } from "rxjs";
import type { Input } from "../../src/program/inputs.js";
import type { EngineEvent } from "./events.js";
import type { PresenceRegistry } from "./presence-registry.js";

export interface PresenceHost {
  readonly presence: Pick<PresenceRegistry, "declare" | "set" | "self" | "peers" | "delete"> &
    /** A room's change listeners; without them `peers$` filters `events$`. */
    Partial<Pick<PresenceRegistry, "watch">>;
  readonly events$: Observable<EngineEvent>;
  /** Hands `ephemeral-local-change` to the engine. */
  dispatch(input: Input): void;
}
