/**
 * A Subject that keeps what it receives until its first subscriber arrives. A transport emits a
 * Connection and may receive frames before the engine gets round to subscribing to `incoming$`
 * (the engine defers that to its run loop); a plain Subject would lose them.
 */
import { Observable, Subject } from "rxjs";

/** Far above what arrives between a Connection's emission and its subscription. */
const MAX_HELD = 10_000;

export class HeldStream<T> {
  private held: T[] | undefined = [];
  private readonly live = new Subject<T>();
  private done = false;

  readonly observable: Observable<T> = new Observable<T>((subscriber) => {
    const held = this.held;
    this.held = undefined;
    for (const value of held ?? []) subscriber.next(value);
    if (this.done) {
      subscriber.complete();
      return undefined;
    }
    return this.live.subscribe(subscriber);
  });

  next(value: T): void {
    if (this.done) return;
    if (this.held === undefined) {
      this.live.next(value);
      return;
    }
    // Nobody has subscribed yet: keep the newest, bounded.
    if (this.held.length >= MAX_HELD) this.held.shift();
    this.held.push(value);
  }

  complete(): void {
    if (this.done) return;
    this.done = true;
    this.live.complete();
  }
}
