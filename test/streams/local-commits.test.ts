/**
 * Coalescing of local commits (streams/engine/local-commits.ts): one `local-doc-change` per doc
 * per synchronous run of commits, handed over before any other input (§5.3.6).
 */
import { TestScheduler } from "rxjs/testing";
import type { Input } from "../../src/program/inputs.js";
import { createEngine } from "../../streams/engine/engine.js";
import { createLocalCommits } from "../../streams/engine/local-commits.js";

const harness = (busy = false) => {
  const delivered: Input[][] = [];
  const deferred: (() => void)[] = [];
  // The docs' current versions, as the registry would read them; counts the reads.
  const versions = new Map<string, Record<string, number>>();
  let reads = 0;
  const base = createLocalCommits({
    busy: () => busy,
    versionOf: (docId) => {
      reads++;
      return versions.get(docId);
    },
    deliver: (inputs) => delivered.push([...inputs]),
    defer: (fn) => {
      deferred.push(fn);
      return () => deferred.splice(deferred.indexOf(fn), 1);
    },
  });
  const runDeferred = () => {
    for (const fn of deferred.splice(0)) fn();
  };
  /** A commit of `docId` that took it to `version`. */
  const commits = {
    note: (docId: string, version: Record<string, number>) => {
      versions.set(docId, version);
      base.note(docId);
    },
    flush: () => base.flush(),
    close: () => base.close(),
  };
  return {
    commits,
    delivered,
    runDeferred,
    reads: () => reads,
    versions,
    scheduled: () => deferred.length,
  };
};

describe("local commits", () => {
  it("a run of commits becomes one change per doc, with the latest version, in first-commit order", () => {
    const { commits, delivered, runDeferred, reads } = harness();
    commits.note("b", { "1": 1 });
    commits.note("a", { "1": 2 });
    commits.note("b", { "1": 3 });
    expect(delivered).toEqual([]);
    runDeferred();
    expect(delivered).toEqual([
      [
        { type: "local-doc-change", docId: "b", version: { "1": 3 } },
        { type: "local-doc-change", docId: "a", version: { "1": 2 } },
      ],
    ]);
    runDeferred();
    expect(delivered).toHaveLength(1);
    expect(reads()).toBe(2); // one version read per doc, not per commit
  });

  it("a doc gone before the hand-over is skipped", () => {
    const { commits, delivered, runDeferred, versions } = harness();
    commits.note("a", { "1": 1 });
    versions.delete("a");
    runDeferred();
    expect(delivered).toEqual([]);
  });

  it("flush hands pending changes over at once (before another input), and only once", () => {
    const { commits, delivered, runDeferred } = harness();
    commits.note("a", { "1": 1 });
    commits.flush();
    runDeferred();
    expect(delivered).toEqual([[{ type: "local-doc-change", docId: "a", version: { "1": 1 } }]]);
  });

  it("a commit while the loop runs goes in at once", () => {
    const { commits, delivered } = harness(true);
    commits.note("a", { "1": 1 });
    expect(delivered).toEqual([[{ type: "local-doc-change", docId: "a", version: { "1": 1 } }]]);
  });

  it("after close nothing is handed over", () => {
    const { commits, delivered, runDeferred, scheduled } = harness();
    commits.note("a", { "1": 1 });
    commits.close();
    expect(scheduled()).toBe(0); // the deferred hand-over is cancelled, not left to run
    runDeferred();
    commits.note("a", { "1": 2 });
    commits.flush();
    expect(delivered).toEqual([]);
  });
});

describe("local commits in the engine", () => {
  const localChanges = (inputs: readonly Input[]) =>
    inputs.flatMap((i) => (i.type === "local-doc-change" ? [i.version] : []));

  it("with a TestScheduler, a burst is handled in the same frame, as one input", () => {
    const scheduler = new TestScheduler(() => undefined);
    const engine = createEngine({
      identity: { peerId: "1", type: "user" },
      scheduler,
      heartbeatMs: 0,
    });
    const inputs: Input[] = [];
    engine.inputs$.subscribe((i) => inputs.push(i));
    const doc = engine.docs.ensure("d");
    for (let i = 0; i < 5; i++) {
      doc.getText("t").insert(0, "x");
      doc.commit();
    }
    expect(localChanges(inputs)).toEqual([]);
    scheduler.flush();
    expect(localChanges(inputs)).toEqual([{ "1": 5 }]);
    expect(scheduler.now()).toBe(0);
    void engine.close();
  });

  it("a noted commit is handled before an input that arrives after it (§5.3.6)", async () => {
    const engine = createEngine({ identity: { peerId: "1", type: "user" }, heartbeatMs: 0 });
    const inputs: Input[] = [];
    engine.inputs$.subscribe((i) => inputs.push(i));
    const doc = engine.docs.ensure("d");
    doc.getText("t").insert(0, "x");
    doc.commit();
    engine.dispatch({ type: "doc-ensure", docId: "other" });
    expect(inputs.map((i) => i.type)).toEqual(["local-doc-change", "doc-ensure"]);
    // And with the default scheduler, without another input, by the next microtask.
    doc.getText("t").insert(0, "y");
    doc.commit();
    expect(inputs).toHaveLength(2);
    await Promise.resolve();
    expect(localChanges(inputs)).toEqual([{ "1": 1 }, { "1": 2 }]);
    await engine.close();
  });

  it("close() leaves no deferred hand-over on the scheduler", async () => {
    const scheduler = new TestScheduler(() => undefined);
    const engine = createEngine({
      identity: { peerId: "1", type: "user" },
      scheduler,
      heartbeatMs: 0,
    });
    const doc = engine.docs.ensure("d");
    doc.getText("t").insert(0, "x");
    doc.commit();
    expect(scheduler.actions).toHaveLength(1);
    await engine.close();
    expect(scheduler.actions).toHaveLength(0);
  });

  it("close() hands over what was committed just before it", async () => {
    const engine = createEngine({ identity: { peerId: "1", type: "user" }, heartbeatMs: 0 });
    const inputs: Input[] = [];
    engine.inputs$.subscribe((i) => inputs.push(i));
    const doc = engine.docs.ensure("d");
    doc.getText("t").insert(0, "x");
    doc.commit();
    await engine.close();
    expect(localChanges(inputs)).toEqual([{ "1": 1 }]);
  });
});
