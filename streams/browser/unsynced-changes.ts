/**
 * What is not yet safe: for each document, the changes this node holds that the hub has not
 * acknowledged as durable (its `GET /docs/<id>/durable-version`, see `hub/durability.ts`), as an
 * Observable of counts and bytes, and the same summed over the repo. An app shows "saved on this
 * device" vs "synced" from it, and warns in `beforeunload` while `current().changes > 0`.
 *
 * A change counts from the moment it is in the document (a `commit()`, or data from another tab
 * or from storage after a reload) until the hub's durable version covers it. Counted from
 * versions, not from commit events, so edits made offline and reloaded from IndexedDB still show
 * as unsynced. `changes` counts Loro operations; `bytes` is the size of the update that would
 * bring the hub up to date.
 *
 * The hub is polled only for documents with unsynced changes, every `intervalMs`; a failed poll
 * (hub down) keeps them unsynced. Nothing is polled while everything is synced.
 *
 * ```
 * commit():        --c----------c--c-------------------
 * hub durable:     -------d-------------------d--------
 * doc$(id).changes  0-1---0------1--2----------0--------
 * ```
 */
import {
  asyncScheduler,
  BehaviorSubject,
  distinctUntilChanged,
  filter,
  map,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from "rxjs";
import type { DocId } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";
import { fetchDurableVersion } from "../hub/when-durable.js";
import { docVersion, exportFrom } from "../loro-version.js";
import type { Repo } from "../repo.js";

export interface UnsyncedChanges {
  /** Operations not yet durable at the hub (0: everything is synced). */
  readonly changes: number;
  /** Bytes of the update that would bring the hub up to date. */
  readonly bytes: number;
  /** Documents with unsynced changes (1 or 0 for a single document). */
  readonly docs: number;
}

export interface UnsyncedChangesOptions {
  /** The hub's HTTP base, `http://host:port` (in a page served by the hub: `location.origin`). */
  readonly hubUrl: string;
  /** Between polls of the hub while something is unsynced. Default 1,000 ms. */
  readonly intervalMs?: number;
  readonly scheduler?: SchedulerLike;
}

export interface UnsyncedChangesTracker {
  /** One document's unsynced changes, now and on every change. */
  doc$(docId: DocId): Observable<UnsyncedChanges>;
  /** The whole repo's, now and on every change. */
  readonly all$: Observable<UnsyncedChanges>;
  /** The whole repo's, synchronously (for `beforeunload`). */
  current(): UnsyncedChanges;
  /** Stops polling; the Observables complete. */
  close(): void;
}

export const NOTHING_UNSYNCED: UnsyncedChanges = { changes: 0, bytes: 0, docs: 0 };

/** Operations of `local` beyond `durable`, summed over peers. */
const opsBeyond = (local: VersionVector, durable: VersionVector): number => {
  let n = 0;
  for (const peer of Object.keys(local))
    n += Math.max(0, (local[peer] ?? 0) - (durable[peer] ?? 0));
  return n;
};

const same = (a: UnsyncedChanges, b: UnsyncedChanges): boolean =>
  a.changes === b.changes && a.bytes === b.bytes && a.docs === b.docs;

/** Tracks the repo's unsynced changes against the hub at `hubUrl` (see the module comment). */
export const unsyncedChanges = (
  repo: Repo,
  options: UnsyncedChangesOptions,
): UnsyncedChangesTracker => {
  const scheduler = options.scheduler ?? asyncScheduler;
  const intervalMs = options.intervalMs ?? 1000;
  const durable = new Map<DocId, VersionVector>();
  const perDoc = new BehaviorSubject<ReadonlyMap<DocId, UnsyncedChanges>>(new Map());
  const aborter = new AbortController();
  let poll: Subscription | undefined;
  let polling = false;
  let closed = false;

  const measure = (docId: DocId): UnsyncedChanges => {
    const doc = repo.engine.docs.get(docId);
    if (doc === undefined) return NOTHING_UNSYNCED;
    const base = durable.get(docId) ?? {};
    const changes = opsBeyond(docVersion(doc), base);
    if (changes === 0) return NOTHING_UNSYNCED;
    return { changes, bytes: exportFrom(doc, base).byteLength, docs: 1 };
  };

  const refresh = (docIds: Iterable<DocId>): void => {
    if (closed) return;
    const next = new Map(perDoc.value);
    for (const docId of docIds) {
      const now = measure(docId);
      if (now.changes === 0) next.delete(docId);
      else next.set(docId, now);
    }
    perDoc.next(next);
    if (next.size > 0 && poll === undefined) poll = scheduler.schedule(pollHub, intervalMs);
  };

  function pollHub(): void {
    poll = undefined;
    if (closed || polling) return;
    const docIds = [...perDoc.value.keys()];
    polling = true;
    void Promise.all(
      docIds.map(async (docId) => {
        try {
          durable.set(docId, await fetchDurableVersion(options.hubUrl, docId, aborter.signal));
        } catch {
          // Hub unreachable: still unsynced; try again at the next poll.
        }
      }),
    ).then(() => {
      polling = false;
      refresh(docIds);
      if (!closed && perDoc.value.size > 0 && poll === undefined) {
        poll = scheduler.schedule(pollHub, intervalMs);
      }
    });
  }

  // Every change to a document reaches the engine as one of these inputs.
  const changes = repo.inputs$
    .pipe(
      filter(
        (input): input is Extract<typeof input, { docId: DocId }> =>
          (input.type === "local-doc-change" || input.type === "doc-imported") && "docId" in input,
      ),
    )
    .subscribe((input) => refresh([input.docId]));
  refresh(repo.engine.docs.ids());

  const total = (all: ReadonlyMap<DocId, UnsyncedChanges>): UnsyncedChanges => {
    let changes = 0;
    let bytes = 0;
    for (const u of all.values()) {
      changes += u.changes;
      bytes += u.bytes;
    }
    return { changes, bytes, docs: all.size };
  };

  return {
    doc$: (docId) =>
      perDoc.pipe(
        map((all) => all.get(docId) ?? NOTHING_UNSYNCED),
        distinctUntilChanged(same),
      ),
    all$: perDoc.pipe(map(total), distinctUntilChanged(same)),
    current: () => total(perDoc.value),
    close() {
      if (closed) return;
      closed = true;
      changes.unsubscribe();
      poll?.unsubscribe();
      aborter.abort();
      perDoc.complete();
    },
  };
};
