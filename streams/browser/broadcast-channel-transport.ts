/**
 * Tabs of one origin as peers of each other, over a `BroadcastChannel`: every other tab on the
 * same channel `name` becomes one Connection, so documents and presence flow tab to tab with or
 * without a hub (and a tab that also talks to the hub relays between them like any peer).
 *
 * The channel is a bus; the transport makes pairwise links on it. Each subscription picks a
 * random tab id and announces itself (`hello`); a tab that hears an unknown id opens a link to it
 * and answers (`here`, addressed), so both ends learn of each other whichever started first.
 * Frames carry `from`/`to`, so a tab ignores traffic between two others.
 *
 * Initiator election: of the two ends of a link, the tab with the greater id initiates the
 * handshake (spec §2.3 needs exactly one). Both ends compute it from the ids alone, so no extra
 * round trip and no tie, even when two tabs start in the same instant (where "the newcomer
 * initiates" would be ambiguous). Order on a BroadcastChannel is kept per sender, so the answer
 * `here` always reaches the other tab before the initiator's first message.
 *
 * Leaving: unsubscribing (and the page's `pagehide`) posts `bye`; a tab that died without one is
 * dropped after `timeoutMs` without any frame from it (tabs post `alive` every `heartbeatMs`).
 * Messages are posted as plain objects (structured clone keeps their byte arrays); the engine
 * validates every one as it does for any transport.
 *
 * ```
 * tab A:  hello ─────────────▶            (B opens link A↔B, answers)
 * tab B:          ◀─────────── here→A    (A opens link A↔B)
 *         msg A→B / msg B→A …  alive …  bye
 * ```
 */
import { asyncScheduler, Observable, type SchedulerLike, Subject, type Subscription } from "rxjs";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { Connection, Transport } from "../transport.js";

export interface BroadcastChannelTransportOptions {
  /** The channel name; tabs that pass the same name sync with each other. */
  readonly name: string;
  /** Between `alive` posts. Default 2,000 ms; 0 turns liveness off. */
  readonly heartbeatMs?: number;
  /** A tab silent this long is dropped. Default 3 × `heartbeatMs`. */
  readonly timeoutMs?: number;
  readonly scheduler?: SchedulerLike;
  /** Default `globalThis.BroadcastChannel`. */
  readonly BroadcastChannel?: new (
    name: string,
  ) => BroadcastChannelLike;
}

export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

type Frame =
  | { readonly t: "hello" | "alive"; readonly from: string }
  | { readonly t: "here" | "bye"; readonly from: string; readonly to?: string }
  | { readonly t: "msg"; readonly from: string; readonly to: string; readonly m: ChannelMsg };

const isFrame = (data: unknown): data is Frame =>
  typeof data === "object" &&
  data !== null &&
  typeof (data as Frame).t === "string" &&
  typeof (data as Frame).from === "string";

const randomId = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

interface Link {
  readonly incoming: Subject<unknown>;
  lastHeard: number;
}

export const broadcastChannelTransport = (options: BroadcastChannelTransportOptions): Transport =>
  new Observable<Connection>((subscriber) => {
    const Ctor =
      options.BroadcastChannel ??
      (globalThis as { BroadcastChannel?: new (name: string) => BroadcastChannelLike })
        .BroadcastChannel;
    if (Ctor === undefined) {
      subscriber.error(new Error("broadcastChannelTransport: no BroadcastChannel here"));
      return undefined;
    }
    const scheduler = options.scheduler ?? asyncScheduler;
    const heartbeatMs = options.heartbeatMs ?? 2000;
    const timeoutMs = options.timeoutMs ?? heartbeatMs * 3;
    const self = randomId();
    const channel = new Ctor(`loro-rx:${options.name}`);
    const links = new Map<string, Link>();
    let stopped = false;

    const post = (frame: Frame): void => {
      if (!stopped) channel.postMessage(frame);
    };

    const drop = (peer: string): void => {
      const link = links.get(peer);
      if (link === undefined) return;
      links.delete(peer);
      link.incoming.complete();
    };

    const open = (peer: string): void => {
      const incoming = new Subject<unknown>();
      links.set(peer, { incoming, lastHeard: scheduler.now() });
      subscriber.next({
        kind: "network",
        adapterType: "broadcast-channel",
        initiator: self > peer,
        incoming$: incoming.asObservable(),
        send(message) {
          if (links.get(peer)?.incoming === incoming)
            post({ t: "msg", from: self, to: peer, m: message });
        },
        close() {
          if (links.get(peer)?.incoming !== incoming) return;
          post({ t: "bye", from: self, to: peer });
          drop(peer);
        },
      });
    };

    channel.onmessage = (event: MessageEvent) => {
      const frame: unknown = event.data;
      if (stopped || !isFrame(frame) || frame.from === self) return;
      if ("to" in frame && frame.to !== undefined && frame.to !== self) return;
      const known = links.get(frame.from);
      if (known !== undefined) known.lastHeard = scheduler.now();
      switch (frame.t) {
        case "hello":
          // Answer first: opening the link may send the handshake at once, and the other tab
          // must learn of us before our first message reaches it.
          post({ t: "here", from: self, to: frame.from });
          if (known === undefined) open(frame.from);
          return;
        case "here":
          if (known === undefined) open(frame.from);
          return;
        case "msg":
          known?.incoming.next(frame.m);
          return;
        case "bye":
          drop(frame.from);
          return;
        case "alive":
          // A tab we do not know (its hello was before we listened, or we dropped it): meet again.
          if (known === undefined) post({ t: "hello", from: self });
          return;
      }
    };

    let liveness: Subscription | undefined;
    if (heartbeatMs > 0) {
      liveness = scheduler.schedule(function (this: { schedule(s: unknown, d: number): void }) {
        post({ t: "alive", from: self });
        const now = scheduler.now();
        for (const [peer, link] of links) if (now - link.lastHeard > timeoutMs) drop(peer);
        this.schedule(undefined, heartbeatMs);
      }, heartbeatMs);
    }

    // A closing tab says goodbye so the others drop it at once instead of after the timeout.
    const g = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void;
      removeEventListener?: (type: string, listener: () => void) => void;
    };
    const onPageHide = (): void => post({ t: "bye", from: self });
    g.addEventListener?.("pagehide", onPageHide);

    post({ t: "hello", from: self });

    return () => {
      g.removeEventListener?.("pagehide", onPageHide);
      liveness?.unsubscribe();
      post({ t: "bye", from: self });
      stopped = true;
      for (const peer of [...links.keys()]) drop(peer);
      channel.onmessage = null;
      channel.close();
    };
  });
