/** Byte-level helpers shared by the framings; platform-neutral (no Node `Buffer`). */

const typedArrayTag: (this: unknown) => unknown = (() => {
  const proto = Object.getPrototypeOf(Uint8Array.prototype) as object;
  const getter = Object.getOwnPropertyDescriptor(proto, Symbol.toStringTag)?.get;
  return getter ?? (() => undefined);
})();

/**
 * True for any `Uint8Array`, Node `Buffer` included, from any realm: jest sandboxes and `ws`
 * hand us arrays whose constructor is not this realm's, so `instanceof` is not enough.
 */
export const isBytes = (value: unknown): value is Uint8Array =>
  ArrayBuffer.isView(value) && typedArrayTag.call(value) === "Uint8Array";

/**
 * A plain `Uint8Array` view of the same memory. Subclasses such as `Buffer` change `slice`
 * semantics and fail strict prototype checks in CBOR libraries (spec §13.2.1).
 */
export const plainBytes = (bytes: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export const readU16 = (bytes: Uint8Array, at: number): number =>
  ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);

export const readU32 = (bytes: Uint8Array, at: number): number =>
  (((bytes[at] ?? 0) << 24) >>> 0) +
  (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0));

export const writeU16 = (bytes: Uint8Array, at: number, value: number): void => {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
};

export const writeU32 = (bytes: Uint8Array, at: number, value: number): void => {
  bytes[at] = (value >>> 24) & 0xff;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
};

export const toHex = (bytes: Uint8Array): string => {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
};
