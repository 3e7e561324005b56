/**
 * Standard base64 (RFC 4648, `=` padding) for the JSON encoding (spec §13.1), table-driven so
 * that multi-megabyte arrays never go through `String.fromCharCode(...bytes)` or `btoa` on a
 * huge binary string (the reference once overflowed the stack that way).
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  const c = ALPHABET.charCodeAt(i);
  ENCODE[i] = c;
  DECODE[c] = i;
}
const PAD = 0x3d;
const ascii = new TextDecoder();

export const encodeBase64 = (bytes: Uint8Array): string => {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out[o++] = ENCODE[v >>> 18] ?? 0;
    out[o++] = ENCODE[(v >>> 12) & 63] ?? 0;
    out[o++] = ENCODE[(v >>> 6) & 63] ?? 0;
    out[o++] = ENCODE[v & 63] ?? 0;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = ((bytes[i] ?? 0) << 16) | (two ? (bytes[i + 1] ?? 0) << 8 : 0);
    out[o++] = ENCODE[v >>> 18] ?? 0;
    out[o++] = ENCODE[(v >>> 12) & 63] ?? 0;
    out[o++] = two ? (ENCODE[(v >>> 6) & 63] ?? 0) : PAD;
    out[o++] = PAD;
  }
  return ascii.decode(out);
};

/**
 * `undefined` for anything that is not base64: characters outside the alphabet, a length that
 * no byte string has, padding in the middle. Missing padding is accepted, as `atob` does.
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  let end = text.length;
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === PAD) {
    end -= text.charCodeAt(end - 2) === PAD ? 2 : 1;
  }
  const tail = end % 4;
  if (tail === 1) return undefined;
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  const at = (i: number): number => {
    const code = text.charCodeAt(i);
    return code < 256 ? (DECODE[code] ?? -1) : -1;
  };
  let o = 0;
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const a = at(i);
    const b = at(i + 1);
    const c = at(i + 2);
    const d = at(i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (tail > 0) {
    const a = at(i);
    const b = at(i + 1);
    const c = tail === 3 ? at(i + 2) : 0;
    if ((a | b | c) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6);
    out[o++] = v >>> 16;
    if (tail === 3) out[o++] = (v >>> 8) & 0xff;
  }
  return out;
};
