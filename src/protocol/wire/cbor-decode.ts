/**
 * A CBOR decoder for the plain forms our mapping uses (spec §13.2.2), returning exactly what
 * cborg returns with our options (`cbor.ts`) or, for anything else, `UNSURE`: the caller then
 * asks cborg, which decides, and words the error. So this never rejects, and never accepts what
 * cborg would reject.
 *
 * Why: cborg's generic tokenizer cost ~15 µs for a 104-byte presence frame, five times a loro
 * `apply` of its payload; in a W3 profile frame decoding was 18 % of the run. This reads the
 * same frame in ~2 µs.
 *
 * Taken here: integers up to 2^53 − 1 in any head size, byte strings (equal to cborg's copies;
 * large ones are views, see `VIEW_FROM`),
 * text (exact UTF-8), arrays and maps of definite length (maps: text keys, none repeated, no
 * `__proto__`), false, true, null, undefined and 32/64-bit floats, up to `MAX_DEPTH` levels.
 * Everything else (larger integers, indefinite lengths, tags, half floats, other simple values,
 * truncated or trailing bytes, invalid UTF-8) is `UNSURE`.
 */

export const UNSURE: unique symbol = Symbol("cbor: ask cborg");

const MAX_DEPTH = 64;

/**
 * Byte strings this long or longer are returned as views of the frame, not copies. Measured
 * reason (W4a, a 5 MiB snapshot): each copy into a fresh buffer cost ~14 ms of page faults on
 * the bench machine, a quarter of the engine's overhead over raw Loro. A view keeps the frame
 * alive as long as the bytes are, which for a string this large is mostly the string itself;
 * small strings stay copies so they never pin a large frame. Received bytes are never mutated
 * after delivery (the reassembler already keeps views of them).
 */
const VIEW_FROM = 64 * 1024;
const exactUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown (one preallocated instance) to leave a value cborg must decide. */
const STOP = new Error("cbor: not a plain form");

class Decoder {
  at = 0;
  private view: DataView | undefined;
  constructor(private readonly bytes: Uint8Array) {}

  /** The argument of a head with additional information `minor` (< 28), as a safe number. */
  private argument(minor: number): number {
    const bytes = this.bytes;
    if (minor < 24) return minor;
    const at = this.at;
    if (minor === 24) {
      if (at + 1 > bytes.length) throw STOP;
      this.at = at + 1;
      return bytes[at]!;
    }
    if (minor === 25) {
      if (at + 2 > bytes.length) throw STOP;
      this.at = at + 2;
      return (bytes[at]! << 8) | bytes[at + 1]!;
    }
    if (minor === 26) {
      if (at + 4 > bytes.length) throw STOP;
      this.at = at + 4;
      return (
        bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)
      );
    }
    if (minor === 27) {
      if (at + 8 > bytes.length) throw STOP;
      const high =
        bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
      if (high > 0x1fffff) throw STOP; // beyond 2^53 − 1: cborg returns a BigInt
      const low =
        bytes[at + 4]! * 0x1000000 +
        ((bytes[at + 5]! << 16) | (bytes[at + 6]! << 8) | bytes[at + 7]!);
      this.at = at + 8;
      return high * 0x100000000 + low;
    }
    throw STOP;
  }

  private text(length: number): string {
    const bytes = this.bytes;
    const start = this.at;
    const end = start + length;
    if (end > bytes.length) throw STOP;
    this.at = end;
    if (length <= 32) {
      let out = "";
      for (let i = start; i < end; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return this.utf8(start, end);
        out += String.fromCharCode(b);
      }
      return out;
    }
    return this.utf8(start, end);
  }

  private utf8(start: number, end: number): string {
    try {
      return exactUtf8.decode(this.bytes.subarray(start, end));
    } catch {
      throw STOP;
    }
  }

  value(depth: number): unknown {
    const bytes = this.bytes;
    if (this.at >= bytes.length) throw STOP;
    const initial = bytes[this.at++]!;
    const major = initial >> 5;
    const minor = initial & 31;
    switch (major) {
      case 0:
        return this.argument(minor);
      case 1: {
        const value = -1 - this.argument(minor);
        if (value < Number.MIN_SAFE_INTEGER) throw STOP; // cborg: a BigInt
        return value;
      }
      case 2: {
        const length = this.argument(minor);
        const end = this.at + length;
        if (end > bytes.length) throw STOP;
        // A plain Uint8Array (never a Buffer): a view when large, else a copy (see VIEW_FROM).
        const out =
          length >= VIEW_FROM
            ? new Uint8Array(bytes.buffer, bytes.byteOffset + this.at, length)
            : new Uint8Array(bytes.subarray(this.at, end));
        this.at = end;
        return out;
      }
      case 3:
        return this.text(this.argument(minor));
      case 4: {
        if (depth >= MAX_DEPTH) throw STOP;
        const length = this.argument(minor);
        if (length > bytes.length - this.at) throw STOP; // every item takes a byte
        const out: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case 5: {
        if (depth >= MAX_DEPTH) throw STOP;
        const length = this.argument(minor);
        if (length > bytes.length - this.at) throw STOP;
        const out: Record<string, unknown> = {};
        for (let i = 0; i < length; i++) {
          if (this.at >= bytes.length) throw STOP;
          const head = bytes[this.at++]!;
          if (head >> 5 !== 3) throw STOP; // cborg: non-string keys are an error
          const key = this.text(this.argument(head & 31));
          if (key === "__proto__" || Object.hasOwn(out, key)) throw STOP;
          out[key] = this.value(depth + 1);
        }
        return out;
      }
      case 7:
        return this.simple(minor);
      default:
        throw STOP; // 6: tags
    }
  }

  private simple(minor: number): unknown {
    switch (minor) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 26: {
        if (this.at + 4 > this.bytes.length) throw STOP;
        const value = this.dataView().getFloat32(this.at, false);
        this.at += 4;
        return value;
      }
      case 27: {
        if (this.at + 8 > this.bytes.length) throw STOP;
        const value = this.dataView().getFloat64(this.at, false);
        this.at += 8;
        return value;
      }
      default:
        throw STOP; // half floats, other simple values, break
    }
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }
}

/** Exactly one data item filling `bytes`, as cborg would return it, or `UNSURE`. */
export const decodePlainCbor = (bytes: Uint8Array): unknown => {
  const decoder = new Decoder(bytes);
  try {
    const value = decoder.value(0);
    return decoder.at === bytes.length ? value : UNSURE;
  } catch {
    // STOP, or anything unforeseen (a stack overflow on deep nesting): cborg decides.
    return UNSURE;
  }
};
