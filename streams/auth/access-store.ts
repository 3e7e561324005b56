/**
 * Who may touch what, right now: the access of every principal (a token's `sub`) with a live
 * connection, and what the application pushed. Changes are a stream the engine re-evaluates at
 * once (`changes$` → the program's `permissions-changed`).
 *
 * Two layers per principal: the claims of its newest verified token (one entry while it has a
 * connection, forgotten when its last one closes), and an override the application sets with
 * `set` (kept until `clear`, and winning over any token, so that a revocation is not undone by
 * a reconnect with an older, still valid token). Size: one entry per connected principal plus
 * the overrides the application keeps.
 */
import { type Observable, Subject } from "rxjs";
import { type Access, NO_ACCESS } from "./claims.js";

export interface AccessStore {
  /** The effective access of a principal (none when unknown). */
  get(principal: string): Access;
  /** Pushes access for a principal: applies to its live connections at once, and to later ones. */
  set(principal: string, access: Access): void;
  /** What the application pushed for the principal, if anything. */
  override(principal: string): Access | undefined;
  /** Drops the override: the principal's token claims apply again. */
  clear(principal: string): void;
  /** Principals whose access changed. */
  readonly changes$: Observable<readonly string[]>;
  /** Internal (the transport): a connection of `principal` presented a token with `access`. */
  connected(principal: string, access: Access): void;
  /** Internal: a connection presented a newer token (in band). */
  refreshed(principal: string, access: Access): void;
  /** Internal: one of the principal's connections closed. */
  disconnected(principal: string): void;
  /** Principals with a live connection. */
  readonly size: number;
}

export const createAccessStore = (): AccessStore => {
  const tokens = new Map<string, { access: Access; connections: number }>();
  const overrides = new Map<string, Access>();
  const changes = new Subject<readonly string[]>();
  return {
    get: (principal) => overrides.get(principal) ?? tokens.get(principal)?.access ?? NO_ACCESS,
    set(principal, access) {
      overrides.set(principal, access);
      changes.next([principal]);
    },
    override: (principal) => overrides.get(principal),
    clear(principal) {
      if (overrides.delete(principal)) changes.next([principal]);
    },
    changes$: changes.asObservable(),
    connected(principal, access) {
      const entry = tokens.get(principal);
      if (entry === undefined) tokens.set(principal, { access, connections: 1 });
      else {
        entry.connections++;
        // The newest token speaks for the principal; its other connections see it too.
        if (entry.access !== access) {
          entry.access = access;
          if (!overrides.has(principal)) changes.next([principal]);
        }
      }
    },
    refreshed(principal, access) {
      const entry = tokens.get(principal);
      if (entry === undefined) return;
      entry.access = access;
      if (!overrides.has(principal)) changes.next([principal]);
    },
    disconnected(principal) {
      const entry = tokens.get(principal);
      if (entry === undefined) return;
      entry.connections--;
      if (entry.connections <= 0) tokens.delete(principal);
    },
    get size() {
      return tokens.size;
    },
  };
};
