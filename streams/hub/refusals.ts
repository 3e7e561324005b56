/**
 * Everything the hub refused, as typed events and counts (for `/health` and the status line):
 * upgrades without a valid token, expired or refused tokens, floods before the handshake, too
 * many pending upgrades, and messages dropped for lack of access or by a limit.
 */
import { merge, Observable, Subject } from "rxjs";
import type { EngineEvent } from "../ports/events.js";
import type { TransportProblem } from "../transport.js";

export type RefusalCode =
  | "upgrade_refused"
  | "too_many_pending_upgrades"
  | "pre_handshake_flood"
  | "token_expired"
  | "token_refused"
  | "visibility-denied"
  | "mutability-denied"
  | "creation-denied"
  | "identity-conflict"
  | "rate-limiter"
  | "docs-per-connection";

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

const TRANSPORT_CODES = new Set<string>([
  "upgrade_refused",
  "too_many_pending_upgrades",
  "pre_handshake_flood",
  "token_expired",
  "token_refused",
]);
const DROP_REASONS = new Set<string>([
  "visibility-denied",
  "mutability-denied",
  "creation-denied",
  "identity-conflict",
]);

export interface Refusals {
  readonly refusals$: Observable<Refusal>;
  /** Counts by code since start (only codes that happened). */
  counts(): Readonly<Partial<Record<RefusalCode, number>>>;
  watch(
    problems$: Observable<TransportProblem>,
    events$: Observable<EngineEvent>,
  ): Observable<void>;
}

const refusalOfEvent = (event: EngineEvent): Refusal | undefined => {
  if (event.type === "message-dropped" && DROP_REASONS.has(event.reason)) {
    const about = event.docId === undefined ? "" : ` about "${event.docId}"`;
    return {
      code: event.reason as RefusalCode,
      message: `${event.messageType}${about} on channel ${event.channelId}`,
    };
  }
  if (event.type === "message-rejected") {
    const code = event.middleware.startsWith("rate-limiter") ? "rate-limiter" : event.middleware;
    if (code === "rate-limiter" || code === "docs-per-connection") {
      return { code, message: event.reason };
    }
  }
  return undefined;
};

export const createRefusals = (): Refusals => {
  const counts = new Map<RefusalCode, number>();
  const subject = new Subject<Refusal>();
  const note = (refusal: Refusal): void => {
    counts.set(refusal.code, (counts.get(refusal.code) ?? 0) + 1);
    subject.next(refusal);
  };
  return {
    refusals$: subject.asObservable(),
    counts: () => Object.fromEntries(counts),
    watch: (problems$, events$) =>
      new Observable<void>(() => {
        const subscription = merge(problems$, events$).subscribe((item) => {
          if ("type" in item) {
            const refusal = refusalOfEvent(item);
            if (refusal !== undefined) note(refusal);
          } else if (TRANSPORT_CODES.has(item.code)) {
            note({ code: item.code as RefusalCode, message: item.message });
          }
        });
        return () => subscription.unsubscribe();
      }),
  };
};
