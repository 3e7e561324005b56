/** Randomness for the transports: fragment batch ids and server connection keys. */

/** Web Crypto, present in browsers and in Node ≥ 19 as `globalThis.crypto`. */
export const randomBytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
};

const KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `ws-` and 12 letters or digits, as the reference names a connection without a peer id. */
export const randomConnectionKey = (): string => {
  let key = "ws-";
  for (const b of randomBytes(12)) key += KEY_ALPHABET[b % KEY_ALPHABET.length];
  return key;
};
