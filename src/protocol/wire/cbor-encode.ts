/**
 * CBOR encoding of the values our wire mapping builds (spec §13.2.2): plain objects with text
 * keys in insertion order, arrays, text and byte strings, integers in their shortest form,
 * other numbers as 64-bit floats, booleans and null. Definite lengths only; `undefined` and
 * anything else (Maps, class instances, bigints) are refused with an exception.
 *
 * It writes exactly what cborg writes with our options (a property test compares the bytes),
 * but in two passes — sizes, then one buffer of the exact length — so a message costs a few
 * microseconds instead of cborg's 25–40 (token sorting and chunked buffers per call), and a
 * caller can reserve room in front for its frame header: a multi-megabyte snapshot is then
 * copied once, straight into the frame. Decoding stays with cborg (hostile input).
 */

const MAJOR_UINT = 0;
const MAJOR_NEGINT = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const FALSE = 0xf4;
const TRUE = 0xf5;
const NULL = 0xf6;
const FLOAT64 = 0xfb;

const TWO_32 = 2 ** 32;
const utf8 = new TextEncoder();

const headSize = (n: number): number =>
  n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < TWO_32 ? 5 : 9;

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};

const isPlainObject = (value: object): value is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * One CBOR item already encoded, written as its bytes. A hub batching the same relayed message
 * into the frames of 500 channels encodes it once (`to-wire.ts`); the caller vouches that the
 * bytes are one well-formed item of the wire mapping.
 */
export class RawCbor {
  constructor(readonly bytes: Uint8Array) {}
}

/** A byte string left out of `head`: its bytes belong at offset `at` of `head`. */
export interface Hole {
  readonly at: number;
  readonly bytes: Uint8Array;
}

/** An encoding in pieces: `head` with the holes' bytes spliced in at their offsets. */
export interface Gathered {
  readonly head: Uint8Array;
  readonly holes: readonly Hole[];
  /** The length of the whole encoding. */
  readonly length: number;
}

class Writer {
  /** UTF-8 bytes of the non-ASCII strings met in the sizing pass, in traversal order. */
  private readonly texts: Uint8Array[] = [];
  private nextText = 0;
  private out = new Uint8Array(0);
  private view = new DataView(this.out.buffer);
  private at = 0;
  /** Byte strings at least this long are left out of the buffer and listed as holes. */
  private readonly minHole: number;
  private readonly holes: Hole[] = [];
  private holeBytes = 0;

  constructor(minHole = Number.POSITIVE_INFINITY) {
    this.minHole = minHole;
  }

  size(value: unknown): number {
    switch (typeof value) {
      case "number":
        if (!Number.isSafeInteger(value)) return 9;
        return headSize(value >= 0 ? value : -1 - value);
      case "string": {
        if (isAscii(value)) return headSize(value.length) + value.length;
        const bytes = utf8.encode(value);
        this.texts.push(bytes);
        return headSize(bytes.length) + bytes.length;
      }
      case "boolean":
        return 1;
      case "object": {
        if (value === null) return 1;
        if (value instanceof Uint8Array) {
          if (value.length < this.minHole) return headSize(value.length) + value.length;
          this.holeBytes += value.length;
          return headSize(value.length);
        }
        if (value instanceof RawCbor) return value.bytes.length;
        if (Array.isArray(value)) {
          let total = headSize(value.length);
          for (const item of value) total += this.size(item);
          return total;
        }
        if (!isPlainObject(value)) throw new TypeError("CBOR: unsupported object");
        const keys = Object.keys(value);
        let total = headSize(keys.length);
        for (const key of keys) total += this.size(key) + this.size(value[key]);
        return total;
      }
      default:
        throw new TypeError(`CBOR: unsupported ${typeof value} value`);
    }
  }

  encode(value: unknown, reserve: number): Uint8Array {
    return this.gather(value, reserve).head;
  }

  gather(value: unknown, reserve: number): Gathered {
    const total = reserve + this.size(value);
    this.out = new Uint8Array(total);
    this.view = new DataView(this.out.buffer);
    this.at = reserve;
    this.write(value);
    return { head: this.out, holes: this.holes, length: total + this.holeBytes };
  }

  private head(major: number, n: number): void {
    const out = this.out;
    const m = major << 5;
    if (n < 24) out[this.at++] = m | n;
    else if (n < 0x100) {
      out[this.at++] = m | 24;
      out[this.at++] = n;
    } else if (n < 0x10000) {
      out[this.at++] = m | 25;
      this.view.setUint16(this.at, n);
      this.at += 2;
    } else if (n < TWO_32) {
      out[this.at++] = m | 26;
      this.view.setUint32(this.at, n);
      this.at += 4;
    } else {
      out[this.at++] = m | 27;
      this.view.setUint32(this.at, Math.floor(n / TWO_32));
      this.view.setUint32(this.at + 4, n >>> 0);
      this.at += 8;
    }
  }

  private write(value: unknown): void {
    switch (typeof value) {
      case "number":
        if (!Number.isSafeInteger(value)) {
          this.out[this.at++] = FLOAT64;
          this.view.setFloat64(this.at, value);
          this.at += 8;
        } else if (value >= 0) this.head(MAJOR_UINT, value);
        else this.head(MAJOR_NEGINT, -1 - value);
        return;
      case "string":
        if (isAscii(value)) {
          this.head(MAJOR_TEXT, value.length);
          for (let i = 0; i < value.length; i++) this.out[this.at++] = value.charCodeAt(i);
        } else {
          const bytes = this.texts[this.nextText++] as Uint8Array;
          this.head(MAJOR_TEXT, bytes.length);
          this.out.set(bytes, this.at);
          this.at += bytes.length;
        }
        return;
      case "boolean":
        this.out[this.at++] = value ? TRUE : FALSE;
        return;
      default: {
        // Only objects are left: `size` has already refused everything else.
        if (value === null) {
          this.out[this.at++] = NULL;
          return;
        }
        if (value instanceof Uint8Array) {
          this.head(MAJOR_BYTES, value.length);
          if (value.length >= this.minHole) this.holes.push({ at: this.at, bytes: value });
          else {
            this.out.set(value, this.at);
            this.at += value.length;
          }
          return;
        }
        if (value instanceof RawCbor) {
          this.out.set(value.bytes, this.at);
          this.at += value.bytes.length;
          return;
        }
        if (Array.isArray(value)) {
          this.head(MAJOR_ARRAY, value.length);
          for (const item of value) this.write(item);
          return;
        }
        const map = value as Record<string, unknown>;
        const keys = Object.keys(map);
        this.head(MAJOR_MAP, keys.length);
        for (const key of keys) {
          this.write(key);
          this.write(map[key]);
        }
      }
    }
  }
}

/**
 * `value` as CBOR, after `reserve` zero bytes left for the caller (a frame header).
 * Throws a TypeError for a value outside the wire mapping.
 */
export const encodeWireCbor = (value: unknown, reserve = 0): Uint8Array =>
  new Writer().encode(value, reserve);

/**
 * Like `encodeWireCbor`, but byte strings of at least `minHole` bytes are not copied: they are
 * listed as holes, for a caller that copies everything once anyway (into transport fragments).
 */
export const gatherWireCbor = (value: unknown, reserve: number, minHole: number): Gathered =>
  new Writer(minHole).gather(value, reserve);

/** The pieces of a gathered encoding from offset `from` of `head` on, in order. */
export const segmentsOf = (gathered: Gathered, from: number): Uint8Array[] => {
  const out: Uint8Array[] = [];
  let at = from;
  for (const hole of gathered.holes) {
    if (hole.at > at) out.push(gathered.head.subarray(at, hole.at));
    if (hole.bytes.length > 0) out.push(hole.bytes);
    at = hole.at;
  }
  if (gathered.head.length > at) out.push(gathered.head.subarray(at));
  return out;
};
