/**
 * Marble specs of `runToCompletion`, one per ordering rule of spec §5.3. Inputs are `{ type }`
 * objects: type "m" is a received message, anything else is feedback, a commit, a channel event
 * or an API call. `Q` is the quiescence signal.
 */
import { type Observable, Subject, tap } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import {
  QUIESCENT,
  type Quiescent,
  runToCompletion,
} from "../../../streams/operators/run-to-completion.js";

interface Item {
  readonly type: string;
  readonly id: string;
}
const item = (type: string, id: string): Item => ({ type, id });
const a = item("x", "a");
const b = item("x", "b");
const f = item("feedback", "f");
const g = item("feedback", "g");
const m = item("m", "m");
const n = item("m", "n");
const inputs = { a, b, f, g, m, n };
const values = { ...inputs, Q: QUIESCENT };
const isMessage = (i: Item): boolean => i.type === "m";

const testScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Runs `react` on every input the operator hands out, as a subscriber would. */
const ordered = (
  source$: Observable<Item | readonly Item[]>,
  feedback$: Observable<Item | readonly Item[]>,
  react: (input: Item) => void = () => {},
): Observable<Item | Quiescent> =>
  source$.pipe(
    runToCompletion<Item>({ feedback$, isMessage }),
    tap((step) => {
      if (step !== QUIESCENT) react(step as Item);
    }),
  );

describe("runToCompletion (spec §5.3)", () => {
  it("hands out each input and signals quiescence when nothing waits", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot<Item>("--a---m---|", inputs);
      expectObservable(ordered(source, new Subject())).toBe("--(aQ)(mQ)|", values);
    });
  });

  it("§5.3.1 run to completion: an input raised while another runs waits until it returns", () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const source = hot<Item>("--a-------|", inputs);
      const feedback$ = new Subject<Item>();
      const log: string[] = [];
      const out = ordered(source, feedback$, (input) => {
        log.push(`start ${input.id}`);
        if (input === a) feedback$.next(f);
        if (input === f) feedback$.next(g);
        log.push(`end ${input.id}`);
      });
      expectObservable(out).toBe("--(afgQ)--|", values);
      flush();
      expect(log).toEqual(["start a", "end a", "start f", "end f", "start g", "end g"]);
    });
  });

  it("§5.3.2 feedback first: feedback goes ahead of messages already waiting", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      // m and n arrive together while nothing runs; m's handling raises f: f runs before n.
      const source = hot<Item | readonly Item[]>("--x-----|", { x: [m, n] });
      const feedback$ = new Subject<Item>();
      const out = ordered(source, feedback$, (input) => {
        if (input === m) feedback$.next(f);
      });
      expectObservable(out).toBe("--(mfnQ)|", values);
    });
  });

  it("§5.3.2 messages keep their arrival order; other inputs keep theirs", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot<Item | readonly Item[]>("--x-------|", { x: [a] });
      const feedback$ = new Subject<Item | readonly Item[]>();
      const out = ordered(source, feedback$, (input) => {
        if (input === a) feedback$.next([m, f, n, g]);
      });
      expectObservable(out).toBe("--(afgmnQ)|", values);
    });
  });

  it("§5.3.3 atomic groups: no quiescence falls inside an array of inputs", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot<Item | readonly Item[]>("--x--y--|", { x: [a, b], y: [] });
      expectObservable(ordered(source, new Subject())).toBe("--(abQ)-|", values);
    });
  });

  it("§5.3.5 quiescence: inputs raised while quiescing run before the next signal", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot<Item>("--a-----|", inputs);
      const feedback$ = new Subject<Item>();
      let flushed = 0;
      const out = source.pipe(
        runToCompletion<Item>({ feedback$, isMessage }),
        tap((step) => {
          // The first flush raises f (a commit made by an event handler, say).
          if (step === QUIESCENT && flushed++ === 0) feedback$.next(f);
        }),
      );
      expectObservable(out).toBe("--(aQfQ)|", values);
    });
  });

  it("completes after everything queued has run; a source error passes through", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const feedback$ = new Subject<Item>();
      const completing = ordered(hot<Item>("--(a|)", inputs), feedback$, (input) => {
        if (input === a) feedback$.next(f);
      });
      expectObservable(completing).toBe("--(afQ|)", values);
      const failing = ordered(hot<Item>("--a---#", inputs), new Subject());
      expectObservable(failing).toBe("--(aQ)#", values);
    });
  });

  it("unsubscribing drops what waits and stops listening to the feedback", () => {
    const source$ = new Subject<Item>();
    const feedback$ = new Subject<Item>();
    const seen: (Item | Quiescent)[] = [];
    const subscription = source$
      .pipe(runToCompletion<Item>({ feedback$, isMessage }))
      .subscribe((step) => {
        seen.push(step);
        if (step === a) {
          feedback$.next(f);
          subscription.unsubscribe();
        }
      });
    source$.next(a);
    expect(seen).toEqual([a]);
    expect(feedback$.observed).toBe(false);
    expect(source$.observed).toBe(false);
  });
});
