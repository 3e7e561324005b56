/**
 * Connects a real `@loro-extended/repo` 5.4.2 Repo to a loro-rx repo, in process, by passing
 * channel messages across — the message-level interop harness (no wire encoding).
 *
 * Their messages carry loro `VersionVector` objects; ours carry plain records. Everything else is
 * the same shape, which is the point: the protocol is theirs.
 */
import { Adapter, type GeneratedChannel, type ChannelMsg as TheirMsg } from "@loro-extended/repo";
import { VersionVector } from "loro-crdt";
import { Observable, ReplaySubject, Subject } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection, Transport } from "../../streams/index.js";
import { fromLoroVersion, toLoroVersion } from "../../streams/index.js";

type Loose = Record<string, unknown>;

/** Rewrites every version vector field of a message, recursing into batches. */
const mapVersions = (message: Loose, fn: (v: unknown) => unknown): Loose => {
  const out: Loose = { ...message };
  if ("requesterDocVersion" in out) out.requesterDocVersion = fn(out.requesterDocVersion);
  const tx = out.transmission as Loose | undefined;
  if (tx !== undefined && "version" in tx) out.transmission = { ...tx, version: fn(tx.version) };
  if (Array.isArray(out.messages))
    out.messages = out.messages.map((m: Loose) => mapVersions(m, fn));
  return out;
};

export const theirsToOurs = (message: TheirMsg): unknown =>
  mapVersions(message as unknown as Loose, (v) =>
    v instanceof VersionVector ? fromLoroVersion(v) : v,
  );

export const oursToTheirs = (message: ChannelMsg): TheirMsg =>
  mapVersions(message as unknown as Loose, (v) =>
    toLoroVersion(v as Record<string, number>),
  ) as unknown as TheirMsg;

/** A loro-extended adapter with one channel whose other end is a loro-rx Connection. */
export class LoroRxLinkAdapter extends Adapter<Record<string, never>> {
  private channelId: number | undefined;
  private incoming = new Subject<unknown>();
  private readonly connections = new ReplaySubject<Connection>(1);

  /** `theyInitiate`: the loro-extended side sends establish-request (it is the "client"). */
  constructor(private readonly theyInitiate: boolean) {
    super({ adapterType: "loro-rx-link" });
  }

  /** The loro-rx side of the link. */
  readonly transport: Transport = new Observable<Connection>((subscriber) =>
    this.connections.subscribe(subscriber),
  );

  protected generate(): GeneratedChannel {
    return {
      adapterType: this.adapterType,
      kind: "network",
      // Delivered on a later microtask, as a socket would.
      send: (msg: TheirMsg) => {
        const converted = theirsToOurs(msg);
        queueMicrotask(() => this.incoming.next(converted));
      },
      stop: () => undefined,
    };
  }

  async onStart(): Promise<void> {
    const channel = this.addChannel({});
    this.channelId = channel.channelId;
    const incoming$ = this.incoming.asObservable();
    this.connections.next({
      kind: "network",
      adapterType: "loro-extended-link",
      initiator: !this.theyInitiate,
      incoming$,
      send: (message) => {
        const theirs = oursToTheirs(message);
        queueMicrotask(() => {
          const id = this.channelId;
          if (id !== undefined) this.channels.get(id)?.onReceive(theirs);
        });
      },
      close: () => this.disconnect(),
    });
    if (this.theyInitiate) this.establishChannel(channel.channelId);
  }

  /** Cuts the link: both sides see their channel go. */
  disconnect(): void {
    const id = this.channelId;
    if (id === undefined) return;
    this.channelId = undefined;
    this.removeChannel(id);
    this.incoming.complete();
    this.incoming = new Subject();
  }

  async onStop(): Promise<void> {
    this.disconnect();
  }
}
