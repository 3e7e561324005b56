/**
 * Receiver side of spec §13.3, one per connection. Time is a parameter (`now`, in ms) so the
 * caller decides where it comes from (an RxJS scheduler in `streams/`); the reassembler never
 * sets timers. Call `expire(now)` at `nextDeadline()` to time batches out promptly; `receive`
 * also expires overdue batches first, so a late timer cannot let one complete.
 */
import { type Either, isLeft, left, right } from "fp-ts/lib/Either.js";
import {
  REASSEMBLY_MAX_BATCHES,
  REASSEMBLY_MAX_BYTES,
  REASSEMBLY_TIMEOUT_MS,
} from "./constants.js";
import type { FragmentError } from "./errors.js";
import { parseTransportPayload, type TransportPayload } from "./transport-payload.js";

export interface ReassemblerLimits {
  /** A batch not complete this long after its header is dropped. Spec: 10 000 ms. */
  readonly timeoutMs: number;
  /** Batches in progress; a new header beyond this evicts the oldest. Spec: 32. */
  readonly maxBatches: number;
  /** Bytes held across all batches; beyond this the oldest batches go. Spec: 50 MiB. */
  readonly maxBytes: number;
  /**
   * Bookkeeping cost counted per held fragment on top of its bytes, so that a flood of
   * one-byte fragments is bounded by memory actually used, not only by payload bytes.
   * 0 gives the spec's plain byte count.
   */
  readonly perFragmentOverhead: number;
}

export const DEFAULT_REASSEMBLER_LIMITS: ReassemblerLimits = {
  timeoutMs: REASSEMBLY_TIMEOUT_MS,
  maxBatches: REASSEMBLY_MAX_BATCHES,
  maxBytes: REASSEMBLY_MAX_BYTES,
  perFragmentOverhead: 64,
};

/** `right`: a complete frame to decode; `left`: a problem to report. */
export type ReassemblyOutcome = Either<FragmentError, Uint8Array>;

interface Batch {
  readonly id: string;
  readonly count: number;
  readonly totalSize: number;
  readonly deadline: number;
  readonly chunks: Map<number, Uint8Array>;
  /** Counted against `maxBytes`: chunk bytes plus per-fragment overhead. */
  held: number;
}

export class FragmentReassembler {
  private readonly limits: ReassemblerLimits;
  /** Insertion order is start order, which is what eviction wants. */
  private readonly batches = new Map<string, Batch>();
  private held = 0;
  private disposed = false;

  constructor(limits: Partial<ReassemblerLimits> = {}) {
    this.limits = { ...DEFAULT_REASSEMBLER_LIMITS, ...limits };
  }

  get pendingBatches(): number {
    return this.batches.size;
  }

  get pendingBytes(): number {
    return this.held;
  }

  /** When the earliest batch in progress times out, or `undefined` when none is. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const b of this.batches.values())
      if (next === undefined || b.deadline < next) next = b.deadline;
    return next;
  }

  /** Drops every batch whose deadline has passed; one `timeout` per batch dropped. */
  expire(now: number): FragmentError[] {
    const out: FragmentError[] = [];
    for (const b of [...this.batches.values()]) {
      if (b.deadline <= now) {
        this.drop(b);
        out.push({
          code: "timeout",
          message: `fragment batch ${b.id} incomplete after ${this.limits.timeoutMs} ms (${b.chunks.size}/${b.count} fragments)`,
          batchId: b.id,
        });
      }
    }
    return out;
  }

  /** One transport payload in; zero or more frames and problems out, in order. */
  receive(payload: Uint8Array, now: number): ReassemblyOutcome[] {
    if (this.disposed) {
      return [
        left({ code: "disposed", message: "payload received after the reassembler was disposed" }),
      ];
    }
    const out: ReassemblyOutcome[] = this.expire(now).map((e) => left(e));
    const parsed = parseTransportPayload(payload);
    if (isLeft(parsed)) {
      out.push(parsed);
      return out;
    }
    this.handle(parsed.right, now, out);
    return out;
  }

  /** Cancels everything; every later payload is rejected with `disposed`. */
  dispose(): void {
    this.disposed = true;
    this.batches.clear();
    this.held = 0;
  }

  private handle(p: TransportPayload, now: number, out: ReassemblyOutcome[]): void {
    switch (p.kind) {
      case "complete":
        // Delivered at once, even while fragment batches are in progress.
        out.push(right(p.frame));
        return;
      case "fragment-header": {
        // A repeated header must not reset a batch in progress.
        if (this.batches.has(p.batchId)) return;
        while (this.batches.size >= this.limits.maxBatches) {
          const oldest = this.oldest();
          if (oldest === undefined) break;
          out.push(
            left(this.evict(oldest, `more than ${this.limits.maxBatches} batches in progress`)),
          );
        }
        this.batches.set(p.batchId, {
          id: p.batchId,
          count: p.count,
          totalSize: p.totalSize,
          deadline: now + this.limits.timeoutMs,
          chunks: new Map(),
          held: 0,
        });
        return;
      }
      case "fragment-data": {
        const batch = this.batches.get(p.batchId);
        // Its header was lost, or the batch already timed out or was evicted.
        if (batch === undefined) return;
        if (p.index >= batch.count) {
          out.push(
            left({
              code: "invalid_index",
              message: `fragment ${p.index} of batch ${p.batchId}, which has ${batch.count}`,
              batchId: p.batchId,
              index: p.index,
            }),
          );
          return;
        }
        if (batch.chunks.has(p.index)) {
          out.push(
            left({
              code: "duplicate_fragment",
              message: `fragment ${p.index} of batch ${p.batchId} received twice`,
              batchId: p.batchId,
              index: p.index,
            }),
          );
          return;
        }
        batch.chunks.set(p.index, p.chunk);
        const cost = p.chunk.length + this.limits.perFragmentOverhead;
        batch.held += cost;
        this.held += cost;
        while (this.held > this.limits.maxBytes) {
          const oldest = this.oldest();
          if (oldest === undefined) break;
          out.push(left(this.evict(oldest, `over ${this.limits.maxBytes} bytes held`)));
          if (oldest === batch) return;
        }
        if (batch.chunks.size === batch.count) out.push(this.complete(batch));
        return;
      }
    }
  }

  private complete(batch: Batch): ReassemblyOutcome {
    this.drop(batch);
    let size = 0;
    for (const chunk of batch.chunks.values()) size += chunk.length;
    if (size !== batch.totalSize) {
      return left({
        code: "size_mismatch",
        message: `fragment batch ${batch.id} rebuilt ${size} bytes, header said ${batch.totalSize}`,
        batchId: batch.id,
        expected: batch.totalSize,
        actual: size,
      });
    }
    const frame = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < batch.count; i++) {
      const chunk = batch.chunks.get(i);
      if (chunk === undefined) continue; // unreachable: all `count` indices are held
      frame.set(chunk, at);
      at += chunk.length;
    }
    return right(frame);
  }

  private oldest(): Batch | undefined {
    return this.batches.values().next().value;
  }

  private evict(batch: Batch, why: string): FragmentError {
    this.drop(batch);
    return {
      code: "evicted",
      message: `fragment batch ${batch.id} evicted: ${why}`,
      batchId: batch.id,
    };
  }

  private drop(batch: Batch): void {
    this.batches.delete(batch.id);
    this.held -= batch.held;
  }
}
