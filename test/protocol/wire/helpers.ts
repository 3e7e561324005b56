import { type Either, isLeft, isRight } from "fp-ts/lib/Either.js";

/** Hex with any spacing → bytes. */
export const hex = (text: string): Uint8Array => {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
};

export const toHexString = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

export const rightOf = <E, A>(e: Either<E, A>): A => {
  if (isRight(e)) return e.right;
  throw new Error(`expected right, got left ${JSON.stringify(e.left)}`);
};

export const leftOf = <E, A>(e: Either<E, A>): E => {
  if (isLeft(e)) return e.left;
  throw new Error("expected left, got right");
};

/** Prints and returns the fast-check seed so a failing run can be replayed with FC_SEED. */
export const fcSeed = (name: string): number => {
  const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${name}: fast-check seed ${seed} (replay with FC_SEED=${seed})`);
  return seed;
};

/** v2 frame header for a payload, to feed the spec's payload-only vectors to the decoder. */
export const v2Frame = (payload: Uint8Array, flags = 0): Uint8Array => {
  const out = new Uint8Array(6 + payload.length);
  out[0] = 2;
  out[1] = flags;
  new DataView(out.buffer).setUint32(2, payload.length);
  out.set(payload, 6);
  return out;
};
