/**
 * Middleware (spec §10): checks on *received* messages, run before the program sees them, for
 * what permissions cannot do — asynchronous or cross-cutting checks (rate limits, quotas, an
 * external authorisation service, auditing, size limits). Middleware cannot change a message
 * and never sees outgoing traffic.
 *
 * ```ts
 * const quota: Middleware = {
 *   name: "quota",
 *   requires: ["peer", "transmission"],
 *   check: async ({ peer, transmission }) =>
 *     (await quotas.remaining(peer!.peerId)) >= transmission!.sizeBytes ||
 *     { allow: false, reason: "over quota" },
 * }
 * createRepo({ middleware: [rateLimiter({ maxRequests: 200 }), quota], … })
 * ```
 */
import type { LoroDoc } from "loro-crdt";
import type { PeerContext } from "../../src/program/permissions.js";
import type { BatchableMsg, DocId, EstablishmentMsg } from "../../src/protocol/messages.js";

/** Context fields a middleware needs; when one is missing it is skipped for that message. */
export type MiddlewareRequirement = "peer" | "document" | "transmission";

export interface MiddlewareContext {
  /** The message; a batch is judged one inner message at a time, never as a whole. */
  readonly message: BatchableMsg | EstablishmentMsg;
  /** The sender, once its channel is established (always, for the messages judged here). */
  readonly peer?: PeerContext;
  /**
   * When the message names a `docId` this node holds. For reading: a write made through this
   * reference is not synced unless the doc was also opened (`repo.doc`, `engine.docs.get`).
   */
  readonly document?: { readonly id: DocId; readonly doc: LoroDoc };
  /** When a sync-response or update carries a snapshot or an update. */
  readonly transmission?: {
    readonly type: "snapshot" | "update";
    readonly sizeBytes: number;
  };
}

/**
 * `true` / `{ allow: true }` lets the message through; `false` / `{ allow: false, reason }`
 * drops it. Anything else counts as an error: the message is dropped (fail closed).
 */
export type MiddlewareResult =
  | boolean
  | { readonly allow: true }
  | { readonly allow: false; readonly reason?: string };

export interface Middleware {
  /** Shown in `message-rejected` events. */
  readonly name: string;
  /** Skip this middleware for messages whose context lacks one of these. Default: run always. */
  readonly requires?: readonly MiddlewareRequirement[];
  /** Sync or async. Throwing or rejecting drops the message (fail closed). */
  check(context: MiddlewareContext): MiddlewareResult | PromiseLike<MiddlewareResult>;
}

/** What the chain decided for one message. */
export type Verdict =
  | { readonly allow: true }
  | { readonly allow: false; readonly middleware: string; readonly reason: string };

export const isPromiseLike = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { then?: unknown }).then === "function";
