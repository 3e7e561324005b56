/**
 * One socket's Connection, independent of which end opened it: encodes outbound messages in the
 * socket's framing (version 2 fragmented above the threshold; version 1 with D-15 splitting),
 * decodes and reassembles inbound binary messages, and turns every failure into an item of
 * `problems$` while the connection stays up. Reassembly timeouts run on the given scheduler and
 * are cancelled when the connection ends.
 */
import { isLeft } from "fp-ts/lib/Either.js";
import type { SchedulerLike, Subscription } from "rxjs";
import type { ChannelKind, ChannelMsg } from "../../src/protocol/messages.js";
import {
  DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
  decodeFrame,
  encodeFlushV1,
  encodeTransportPayloads,
  FragmentReassembler,
  type WireError,
  type WireVersion,
} from "../../src/protocol/wire/index.js";
import type { Connection, TransportProblem } from "../transport.js";
import { HeldStream } from "./held-stream.js";
import { randomBytes } from "./random.js";

export interface FramedConnectionOptions {
  readonly adapterType: string;
  readonly initiator: boolean;
  readonly kind?: ChannelKind;
  /** Who the transport authenticated (see `Connection.principal`). */
  readonly principal?: string;
  readonly wireVersion: WireVersion;
  /** Version 2 only: frames longer than this are fragmented; 0 turns it off. */
  readonly fragmentThreshold?: number;
  readonly scheduler: SchedulerLike;
  /** Writes one binary WebSocket message. May throw; failures are reported, not raised. */
  readonly sendBinary: (bytes: Uint8Array) => void;
  /** The engine closed the connection: close the socket. Called once. */
  readonly closeSocket: (reason: string | undefined) => void;
}

export const problemOf = (error: WireError): TransportProblem => ({
  code: error.code,
  message: error.message,
});

export class FramedConnection {
  readonly connection: Connection;
  private readonly incoming = new HeldStream<unknown>();
  private readonly problems = new HeldStream<TransportProblem>();
  /** Version 1 has no fragments, so no reassembler. */
  private readonly reassembler: FragmentReassembler | undefined;
  private expiry: Subscription | undefined;
  private ended = false;

  constructor(private readonly options: FramedConnectionOptions) {
    this.reassembler = options.wireVersion === 2 ? new FragmentReassembler() : undefined;
    this.connection = {
      kind: options.kind ?? "network",
      adapterType: options.adapterType,
      initiator: options.initiator,
      ...(options.principal === undefined ? {} : { principal: options.principal }),
      incoming$: this.incoming.observable,
      problems$: this.problems.observable,
      send: (message) => this.send(message),
      close: (reason) => {
        if (this.ended) return;
        this.end();
        options.closeSocket(reason);
      },
    };
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** A binary WebSocket message from the peer. */
  receive(bytes: Uint8Array): void {
    if (this.ended) return;
    const { reassembler } = this;
    if (reassembler === undefined) {
      this.deliver(bytes);
      return;
    }
    for (const outcome of reassembler.receive(bytes, this.options.scheduler.now())) {
      if (isLeft(outcome)) this.report(problemOf(outcome.left));
      else this.deliver(outcome.right);
    }
    this.armExpiry();
  }

  report(problem: TransportProblem): void {
    this.problems.next(problem);
  }

  /** The socket is gone (or going): complete the streams, drop reassembly state and timers. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.expiry?.unsubscribe();
    this.expiry = undefined;
    this.reassembler?.dispose();
    this.incoming.complete();
    this.problems.complete();
  }

  private send(message: ChannelMsg): void {
    if (this.ended) return;
    if (this.options.wireVersion === 1) {
      for (const outcome of encodeFlushV1([message])) {
        if (isLeft(outcome)) this.report(problemOf(outcome.left));
        else this.write(outcome.right);
      }
      return;
    }
    const payloads = encodeTransportPayloads(message, {
      threshold: this.options.fragmentThreshold ?? DEFAULT_WEBSOCKET_FRAGMENT_THRESHOLD,
      batchId: () => randomBytes(8),
    });
    if (isLeft(payloads)) this.report(problemOf(payloads.left));
    else for (const payload of payloads.right) this.write(payload);
  }

  private write(bytes: Uint8Array): void {
    try {
      this.options.sendBinary(bytes);
    } catch (e) {
      this.report({ code: "send_failed", message: `cannot write to the socket: ${String(e)}` });
    }
  }

  private deliver(frame: Uint8Array): void {
    const decoded = decodeFrame(this.options.wireVersion, frame);
    if (isLeft(decoded)) {
      this.report(problemOf(decoded.left));
      return;
    }
    for (const message of decoded.right) this.incoming.next(message);
  }

  /** One timer, at the earliest reassembly deadline, re-armed after every change. */
  private armExpiry(): void {
    this.expiry?.unsubscribe();
    this.expiry = undefined;
    const deadline = this.reassembler?.nextDeadline();
    if (deadline === undefined || this.ended) return;
    const { scheduler } = this.options;
    this.expiry = scheduler.schedule(
      () => {
        this.expiry = undefined;
        for (const e of this.reassembler?.expire(scheduler.now()) ?? []) this.report(problemOf(e));
        this.armExpiry();
      },
      Math.max(0, deadline - scheduler.now()),
    );
  }
}
