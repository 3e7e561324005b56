/**
 * Storage keys as bytes for ordered stores (LevelDB), such that every element-wise prefix is one
 * contiguous byte range.
 *
 * Each segment is written as WTF-8 (UTF-8 that also carries lone surrogates, so two different
 * JavaScript strings never share bytes), then escaped so that it contains no 0x00 byte
 * (0x00 → 01 01, 0x01 → 01 02), then terminated by 0x00. The terminator sorts below every
 * escaped byte, so byte order is element-wise order, and the keys under a prefix `p` are exactly
 * those in [enc(p), enc(p) with its last byte 00 → 01).
 */
import type { StorageKey } from "./storage-backend.js";

const TERMINATOR = 0x00;
const ESCAPE = 0x01;

const pushCodePoint = (out: number[], c: number): void => {
  if (c < 0x80) out.push(c);
  else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
  else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  else {
    out.push(
      0xf0 | (c >> 18),
      0x80 | ((c >> 12) & 0x3f),
      0x80 | ((c >> 6) & 0x3f),
      0x80 | (c & 0x3f),
    );
  }
};

const pushEscaped = (out: number[], bytes: number[]): void => {
  for (const b of bytes) {
    if (b === TERMINATOR || b === ESCAPE) out.push(ESCAPE, b + 1);
    else out.push(b);
  }
};

const wtf8 = (segment: string): number[] => {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    let c = segment.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < segment.length) {
      const d = segment.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    pushCodePoint(bytes, c);
  }
  return bytes;
};

export const encodeKey = (key: StorageKey): Uint8Array => {
  const out: number[] = [];
  for (const segment of key) {
    pushEscaped(out, wtf8(segment));
    out.push(TERMINATOR);
  }
  return Uint8Array.from(out);
};

/** Thrown for bytes `encodeKey` cannot have produced. */
export class KeyDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyDecodeError";
  }
}

const decodeSegment = (bytes: readonly number[]): string => {
  let s = "";
  let i = 0;
  const cont = (): number => {
    const b = bytes[i++];
    if (b === undefined || (b & 0xc0) !== 0x80) throw new KeyDecodeError("bad continuation byte");
    return b & 0x3f;
  };
  while (i < bytes.length) {
    const b = bytes[i++] ?? 0;
    let c: number;
    if (b < 0x80) c = b;
    else if ((b & 0xe0) === 0xc0) c = ((b & 0x1f) << 6) | cont();
    else if ((b & 0xf0) === 0xe0) c = ((b & 0x0f) << 12) | (cont() << 6) | cont();
    else if ((b & 0xf8) === 0xf0) c = ((b & 0x07) << 18) | (cont() << 12) | (cont() << 6) | cont();
    else throw new KeyDecodeError(`bad lead byte 0x${b.toString(16)}`);
    s += String.fromCodePoint(c);
  }
  return s;
};

export const decodeKey = (bytes: Uint8Array): StorageKey => {
  const key: string[] = [];
  let segment: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === TERMINATOR) {
      key.push(decodeSegment(segment));
      segment = [];
    } else if (b === ESCAPE) {
      const next = bytes[++i];
      if (next !== 1 && next !== 2) throw new KeyDecodeError("bad escape sequence");
      segment.push(next - 1);
    } else segment.push(b);
  }
  if (segment.length > 0) throw new KeyDecodeError("unterminated segment");
  return key;
};

/** The byte range holding every key that starts with `prefix`; no bounds for `[]`. */
export const prefixRange = (prefix: StorageKey): { gte?: Uint8Array; lt?: Uint8Array } => {
  if (prefix.length === 0) return {};
  const gte = encodeKey(prefix);
  const lt = gte.slice();
  lt[lt.length - 1] = TERMINATOR + 1;
  return { gte, lt };
};
