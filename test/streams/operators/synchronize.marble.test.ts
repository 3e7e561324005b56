/**
 * `synchronize` composed on its own, as a user would: inputs pushed back in while a transition
 * is handled (an effect's feedback) wait their turn (spec §5.3.1) and go ahead of waiting
 * messages (§5.3.2), where a plain `scan(update)` would run them in the middle.
 */
import { map, merge, Subject, scan, tap } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import type { Input } from "../../../src/program/inputs.js";
import { getDoc, type Model } from "../../../src/program/model.js";
import { update } from "../../../src/program/update.js";
import { synchronize } from "../../../streams/operators/synchronize.js";
import { alice, channelAdded, docEnsure, node, received } from "../../program/helpers.js";

const testScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const label = (input: Input): string => ("docId" in input ? input.docId : input.type);

describe("synchronize", () => {
  it("folds inputs into transitions: each holds the model after its input and its commands", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const source = hot<Input>("--a--b--|", { a: docEnsure("a"), b: docEnsure("b") });
      const out = source.pipe(
        synchronize(node()),
        map((t) => {
          const held = ["a", "b"].filter((id) => getDoc(t.model, id) !== undefined).join("");
          return `${label(t.input)}:${held}:${t.commands.length}`;
        }),
      );
      expectObservable(out).toBe("--a--b--|", { a: "a:a:1", b: "b:ab:1" });
    });
  });

  it("re-entrancy: an input pushed into the source while a transition is handled runs after it", () => {
    testScheduler().run(({ hot, expectObservable, flush }) => {
      const mine$ = new Subject<Input>();
      const log: string[] = [];
      const out = merge(hot<Input>("--a-----|", { a: docEnsure("a") }), mine$).pipe(
        synchronize(node()),
        tap((t) => {
          log.push(`start ${label(t.input)}`);
          // The effect of "a" feeds "b" back; the effect of "b" feeds "c" back.
          if (label(t.input) === "a") mine$.next(docEnsure("b"));
          if (label(t.input) === "b") mine$.next(docEnsure("c"));
          log.push(`end ${label(t.input)}`);
        }),
        map((t) => label(t.input)),
      );
      expectObservable(out).toBe("--(abc)");
      flush();
      expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    });
  });

  it("a plain scan(update) would run the fed-back input in the middle (why the trampoline)", () => {
    const mine$ = new Subject<Input>();
    const log: string[] = [];
    mine$
      .pipe(
        scan((model: Model, input: Input) => update(model, input)[0], node()),
        tap((model) => {
          const docs = ["a", "b"].filter((id) => getDoc(model, id) !== undefined).join(",");
          log.push(`start ${docs}`);
          if (docs === "a") mine$.next(docEnsure("b"));
          log.push(`end ${docs}`);
        }),
      )
      .subscribe();
    mine$.next(docEnsure("a"));
    expect(log).toEqual(["start a", "start a,b", "end a,b", "end a"]);
  });

  it("feedback$ goes ahead of received messages already waiting (§5.3.2)", () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const feedback$ = new Subject<Input>();
      const request = received(1, {
        type: "channel/establish-request",
        identity: alice,
      });
      const directory = received(1, { type: "channel/directory-request" });
      // The connection arrives with two frames at once; handling the first feeds "x" back.
      const source = hot<Input>("--(cde)---|", {
        c: channelAdded(1),
        d: request,
        e: directory,
      });
      const out = source.pipe(
        synchronize(node(), { feedback$ }),
        tap((t) => {
          if (t.input === request) feedback$.next(docEnsure("x"));
        }),
        map((t) => (t.input.type === "message-received" ? t.input.message.type : label(t.input))),
      );
      expectObservable(out).toBe("--(cdxe)--|", {
        c: "channel-added",
        d: "channel/establish-request",
        x: "x",
        e: "channel/directory-request",
      });
    });
  });

  it("a received batch is one input: one transition, every inner message's commands in it", () => {
    const seen: string[][] = [];
    const source$ = new Subject<Input>();
    source$.pipe(synchronize(node())).subscribe((t) => seen.push(t.commands.map((c) => c.type)));
    for (const input of [
      docEnsure("p"),
      docEnsure("q"),
      channelAdded(1),
      received(1, { type: "channel/establish-request", identity: alice }),
    ]) {
      source$.next(input);
    }
    seen.length = 0;
    const request = (docId: string) =>
      ({
        type: "channel/sync-request",
        docId,
        requesterDocVersion: {},
        bidirectional: false,
      }) as const;
    source$.next(received(1, { type: "channel/batch", messages: [request("p"), request("q")] }));
    expect(seen).toEqual([["send-sync-response", "send-sync-response"]]);
  });
});
