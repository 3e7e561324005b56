/**
 * The Repo a user holds: documents by id, kept in sync over the given transports, with ready
 * states, waits, deletion and the engine's streams for pipelines and devtools.
 */
import type { LoroDoc } from "loro-crdt";
import {
  catchError,
  defer,
  distinctUntilChanged,
  EmptyError,
  filter,
  first,
  firstValueFrom,
  map,
  type Observable,
  startWith,
  throwError,
  timeout as timeoutWith,
} from "rxjs";
import type { Command } from "../src/program/commands.js";
import type { Input } from "../src/program/inputs.js";
import { getDoc, type Model } from "../src/program/model.js";
import {
  defaultPermissions,
  type PeerContext,
  type Permissions,
} from "../src/program/permissions.js";
import { isSyncedWith, type ReadyState } from "../src/program/readiness.js";
import { peerIdFromBytes, validateLocalIdentity } from "../src/protocol/index.js";
import type { DocId, Identity, PeerType } from "../src/protocol/messages.js";
import { createEngine, type Engine, type EngineOptions } from "./engine/engine.js";
import { docVersion } from "./loro-version.js";
import type { EngineEvent } from "./ports/events.js";
import { createPresence, type Presence } from "./presence/presence.js";

/** Permission predicates as the application writes them: with the live document. */
export interface RepoDocContext {
  readonly id: DocId;
  /**
   * The document, when this node holds it. For reading: a write made through this reference is
   * not synced unless the doc was also opened (`repo.doc`, `engine.docs.get`).
   */
  readonly doc: LoroDoc | undefined;
}
export interface RepoPermissions {
  readonly visibility?: (doc: RepoDocContext, peer: PeerContext) => boolean;
  readonly mutability?: (doc: RepoDocContext, peer: PeerContext) => boolean;
  readonly creation?: (docId: DocId, peer: PeerContext) => boolean;
  readonly deletion?: (doc: RepoDocContext, peer: PeerContext) => boolean;
  /** See `Permissions.enforceVisibility` (read access; what a hub with auth uses). */
  readonly enforceVisibility?: boolean;
  /** See `Permissions.discovery`. */
  readonly discovery?: "visible" | "requested";
}

export interface RepoOptions extends Omit<EngineOptions, "identity" | "permissions"> {
  /** `peerId` is generated from 8 random bytes when absent (spec §2.1). */
  readonly identity?: {
    readonly peerId?: string;
    readonly name?: string;
    readonly type?: PeerType;
  };
  readonly permissions?: RepoPermissions;
}

export interface WhenSyncedOptions {
  /** Which kind of peer must have answered. Default "network". */
  readonly kind?: "network" | "storage";
  /** Milliseconds on the repo's scheduler; 0 waits forever. Default 30,000. */
  readonly timeout?: number;
}

export class SyncTimeoutError extends Error {
  override readonly name = "SyncTimeoutError";
  constructor(
    readonly docId: DocId,
    readonly kind: "network" | "storage",
    readonly timeoutMs: number,
    readonly readyStates: readonly ReadyState[],
  ) {
    super(`"${docId}" was not synced with a ${kind} peer within ${timeoutMs} ms`);
  }
}

export class RepoClosedError extends Error {
  override readonly name = "RepoClosedError";
  constructor() {
    super("the repo is closed");
  }
}

/** A counted hold on a document (`repo.open`): it stays in memory until every handle is released. */
export interface DocHandle {
  readonly docId: DocId;
  /** The live document. Do not use it after `release()`: once evicted, it is freed. */
  readonly doc: LoroDoc;
  /** Lets go of this hold (idempotent). The doc may be evicted `docIdleMs` after the last one. */
  release(): void;
}

export interface Repo {
  readonly identity: Identity;
  /**
   * The document, created empty (and requested from peers, or loaded from storage) when this
   * node lacks it. It stays in memory until `release(docId)`; see `open` for counted handles.
   */
  doc(docId: DocId): LoroDoc;
  /** The document as a counted handle: several parts of an app can hold it independently. */
  open(docId: DocId): DocHandle;
  /**
   * Ends the hold that `doc`, `presence` and `import` took (not `open`'s handles). The doc may
   * then be evicted (`docIdleMs` after its last use, once storage has it); a later `doc(docId)`
   * reloads it. Do not use a LoroDoc obtained before after releasing it.
   */
  release(docId: DocId): void;
  has(docId: DocId): boolean;
  /**
   * Imports Loro bytes (a snapshot or updates from elsewhere) into the doc and propagates them as
   * a local change would. Importing directly into `doc(id)` is not seen by the engine until the
   * next local commit or handshake (spec N-15); this is the way to load outside data.
   */
  import(docId: DocId, bytes: Uint8Array): void;
  /** Ready states now and on every change (spec §11). */
  readyStates$(docId: DocId): Observable<readonly ReadyState[]>;
  /** Emits the ready states once a peer of `kind` has answered for the doc, then completes. */
  synced$(docId: DocId, options?: WhenSyncedOptions): Observable<readonly ReadyState[]>;
  /** The Promise form of `synced$`. */
  whenSynced(docId: DocId, options?: WhenSyncedOptions): Promise<readonly ReadyState[]>;
  /** Deletes locally and asks subscribed peers (and storage) to delete. */
  delete(docId: DocId): Promise<void>;
  /**
   * Presence in the document's room, one namespace (`"cursors"`, `"presence"`, …): our value
   * (`set`, `self`, `delete`) and every other peer's (`peers$`). Opens the document like `doc`,
   * since presence reaches the peers subscribed to it.
   */
  presence<V>(docId: DocId, namespace: string): Presence<V>;
  readonly model$: Observable<Model>;
  readonly inputs$: Observable<Input>;
  readonly commands$: Observable<Command>;
  readonly events$: Observable<EngineEvent>;
  readonly engine: Engine;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const randomPeerId = (): string => {
  for (;;) {
    const id = peerIdFromBytes(crypto.getRandomValues(new Uint8Array(8)));
    if (validateLocalIdentity({ peerId: id, type: "user" })._tag === "Right") return id;
  }
};

const buildIdentity = (given: RepoOptions["identity"]): Identity => {
  const base = { peerId: given?.peerId ?? randomPeerId(), type: given?.type ?? "user" };
  const identity: Identity = given?.name === undefined ? base : { ...base, name: given.name };
  const checked = validateLocalIdentity(identity);
  if (checked._tag === "Left") throw new TypeError(checked.left);
  return identity;
};

const wrapPermissions = (
  given: RepoPermissions | undefined,
  doc: (id: DocId) => LoroDoc | undefined,
): Permissions => ({
  visibility: given?.visibility
    ? (d, p) => given.visibility!({ id: d.id, doc: doc(d.id) }, p)
    : defaultPermissions.visibility,
  mutability: given?.mutability
    ? (d, p) => given.mutability!({ id: d.id, doc: doc(d.id) }, p)
    : defaultPermissions.mutability,
  creation: given?.creation ?? defaultPermissions.creation,
  deletion: given?.deletion
    ? (d, p) => given.deletion!({ id: d.id, doc: doc(d.id) }, p)
    : defaultPermissions.deletion,
  ...(given?.enforceVisibility === undefined ? {} : { enforceVisibility: given.enforceVisibility }),
  ...(given?.discovery === undefined ? {} : { discovery: given.discovery }),
});

export const createRepo = (options: RepoOptions = {}): Repo => {
  const identity = buildIdentity(options.identity);
  let engine: Engine | undefined;
  const permissions = wrapPermissions(options.permissions, (id) => engine?.docs.peek(id));
  const { permissions: _p, identity: _i, ...rest } = options;
  const created = createEngine({ ...rest, identity, permissions });
  engine = created;

  const readyStates$ = (docId: DocId): Observable<readonly ReadyState[]> =>
    defer(() =>
      created.events$.pipe(
        filter(
          (e): e is Extract<EngineEvent, { type: "ready-state-changed" }> =>
            e.type === "ready-state-changed" && e.docId === docId,
        ),
        map((e) => e.readyStates),
        startWith(created.readyStates(docId)),
        distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      ),
    );

  const synced$ = (docId: DocId, opts: WhenSyncedOptions = {}) => {
    const kind = opts.kind ?? "network";
    const timeoutMs = opts.timeout ?? 30_000;
    return defer(() => {
      if (created.closed) return throwError(() => new RepoClosedError());
      // As the reference: a doc this node does not hold resolves at once (spec §11.3 step 3).
      if (getDoc(created.model(), docId) === undefined) return [created.readyStates(docId)];
      const waiting = readyStates$(docId).pipe(
        first((states) => isSyncedWith(created.model(), states, kind)),
        // The stream ends without a match only when the repo closes under the wait.
        catchError((error: unknown) =>
          throwError(() => (error instanceof EmptyError ? new RepoClosedError() : error)),
        ),
      );
      if (timeoutMs <= 0) return waiting;
      return waiting.pipe(
        timeoutWith({
          first: timeoutMs,
          scheduler: created.scheduler,
          with: () =>
            throwError(
              () => new SyncTimeoutError(docId, kind, timeoutMs, created.readyStates(docId)),
            ),
        }),
      );
    });
  };

  /** One hold per doc for `doc`/`presence`/`import`, ended by `release`. */
  const pinned = new Map<DocId, () => void>();
  const openDoc = (docId: DocId): LoroDoc => {
    if (created.closed) throw new RepoClosedError();
    const doc = created.docs.ensure(docId);
    created.dispatch({ type: "doc-ensure", docId, version: docVersion(doc) });
    return doc;
  };
  const pin = (docId: DocId): void => {
    if (!pinned.has(docId)) pinned.set(docId, created.hold(docId));
  };

  return {
    identity,
    doc(docId) {
      if (created.closed) throw new RepoClosedError();
      pin(docId);
      return openDoc(docId);
    },
    open(docId) {
      if (created.closed) throw new RepoClosedError();
      const release = created.hold(docId);
      return { docId, doc: openDoc(docId), release };
    },
    release(docId) {
      pinned.get(docId)?.();
      pinned.delete(docId);
    },
    has: (docId) => getDoc(created.model(), docId) !== undefined,
    import(docId, bytes) {
      if (created.closed) throw new RepoClosedError();
      pin(docId);
      const doc = created.docs.ensure(docId);
      created.dispatch({ type: "doc-ensure", docId, version: docVersion(doc) });
      doc.import(bytes);
      created.dispatch({ type: "local-doc-change", docId, version: docVersion(doc) });
    },
    readyStates$,
    synced$,
    whenSynced: (docId, opts) => firstValueFrom(synced$(docId, opts)),
    async delete(docId) {
      created.dispatch({ type: "doc-delete", docId });
      await created.flush();
    },
    presence<V>(docId: DocId, namespace: string) {
      if (created.closed) throw new RepoClosedError();
      pin(docId);
      const doc = created.docs.ensure(docId);
      created.dispatch({ type: "doc-ensure", docId, version: docVersion(doc) });
      return createPresence<V>(created, docId, namespace, () => {
        if (created.closed) throw new RepoClosedError();
      });
    },
    model$: created.model$,
    inputs$: created.inputs$,
    commands$: created.commands$,
    events$: created.events$,
    engine: created,
    flush: () => created.flush(),
    close: () => created.close(),
  };
};
