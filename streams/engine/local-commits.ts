/**
 * Local commits made while the engine handles nothing, coalesced per document until the code that committed
 * gives control back (spec §5.3.6, §9.1).
 *
 * An application that commits 1,000 times in one synchronous loop should send one update, not
 * 1,000: each separate update costs every receiver a Loro import, and the import's fixed cost
 * dominates small edits. So a commit made while the engine is idle only notes the document;
 * the notes become `local-doc-change` inputs (one per document, its version read then) when
 * `defer` fires — a microtask with the default scheduler — or, at the latest, right before any
 * other input enters the loop. That keeps what §5.3.6 protects: a local change is handled before
 * any later input, so no import can mark a peer as having "everything" in between.
 *
 * A commit made while the loop is running (inside an effect or an event handler) is handed over
 * at once: the running drain handles it before it quiesces, so nothing is gained by waiting.
 *
 * ```
 * commit  c1 c2 c3 |(code returns)      c4 |
 * inputs           local-doc-change(v3)    local-doc-change(v4)
 * ```
 *
 * The version is read from the doc once per run of commits, when the notes are handed over.
 */
import type { Input } from "../../src/program/inputs.js";
import type { DocId } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

export interface LocalCommits {
  /** A commit happened (called synchronously inside Loro's `commit()`). */
  note(docId: DocId): void;
  /** Hands every noted change to the loop now. Called before any other input is enqueued. */
  flush(): void;
  /** Drops pending notes and ignores later ones. */
  close(): void;
}

export interface LocalCommitsOptions {
  /** Whether the engine is handling an input right now (then a change goes in at once). */
  readonly busy: () => boolean;
  /** The doc's version after its commits (read once per run); `undefined`: doc gone. */
  readonly versionOf: (docId: DocId) => VersionVector | undefined;
  /** Queues inputs in order and handles them (one drain for all of them). */
  readonly deliver: (inputs: readonly Input[]) => void;
  /**
   * Runs `fn` once the committing code has returned (a microtask, or the test scheduler);
   * returns how to cancel it (`close` does, so nothing scheduled outlives the engine).
   */
  readonly defer: (fn: () => void) => () => void;
}

export const createLocalCommits = (options: LocalCommitsOptions): LocalCommits => {
  // Insertion order is kept: documents are handed over in the order they were first committed.
  let pending = new Set<DocId>();
  let cancel: (() => void) | undefined;
  let closed = false;

  const flush = (): void => {
    if (pending.size === 0) return;
    const inputs: Input[] = [];
    const docIds = pending;
    pending = new Set();
    for (const docId of docIds) {
      const version = options.versionOf(docId);
      if (version !== undefined) inputs.push({ type: "local-doc-change", docId, version });
    }
    if (inputs.length > 0) options.deliver(inputs);
  };

  return {
    note(docId) {
      if (closed) return;
      pending.add(docId);
      if (options.busy()) {
        flush();
        return;
      }
      if (cancel !== undefined) return;
      cancel = options.defer(() => {
        cancel = undefined;
        flush();
      });
    },
    flush,
    close() {
      closed = true;
      cancel?.();
      cancel = undefined;
      pending = new Set();
    },
  };
};
