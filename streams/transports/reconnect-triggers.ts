/**
 * When a waiting client should retry at once instead of sitting out its backoff: the browser says
 * the network is back (`online`), or a hidden tab became visible again (timers of hidden tabs are
 * throttled, and a user looking at the page wants it live now). Outside a browser it never emits.
 *
 * ```
 * window:  --online-----visibilitychange(hidden)---visibilitychange(visible)--
 * output:  --x----------------------------------------x-----------------------
 * ```
 */
import { merge, NEVER, Observable } from "rxjs";

interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

const eventsOf = (
  target: EventSourceLike | undefined,
  type: string,
  when: () => boolean = () => true,
): Observable<void> =>
  target === undefined
    ? NEVER
    : new Observable<void>((subscriber) => {
        const listener = (): void => {
          if (when()) subscriber.next();
        };
        target.addEventListener(type, listener);
        return () => target.removeEventListener(type, listener);
      });

const hasListeners = (value: unknown): value is EventSourceLike =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as EventSourceLike).addEventListener === "function";

/** The page's `online` events and its becoming visible; `NEVER` where there is no page. */
export const browserReconnectTriggers = (): Observable<void> => {
  const g = globalThis as { window?: unknown; document?: unknown };
  const win = hasListeners(g.window) ? g.window : undefined;
  const doc = hasListeners(g.document) ? g.document : undefined;
  const visible = (): boolean =>
    (g.document as { visibilityState?: string } | undefined)?.visibilityState === "visible";
  return merge(eventsOf(win, "online"), eventsOf(doc, "visibilitychange", visible));
};
