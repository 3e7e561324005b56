/**
 * The few io-ts combinators the protocol codecs are built from.
 *
 * io-ts's own `type`/`partial`/`union` keep `undefined` optionals, reject `null` ones, and report
 * union failures with member-index paths; ours strip unknown keys, read `null` as absent, stop
 * at the first error, and record context keys as ready-made path segments (`[2]`, `["k"]`) so
 * that the reporter can print `channel/batch.messages[2].docId`.
 */
import { isLeft, isRight } from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { isPlainObject, renderString, typedArrayName } from "./render.js";

/** Decodes `unknown` into canonical plain data `A`; encoding is the identity. */
export type Codec<A> = t.Type<A, A, unknown>;
/**
 * The decoding half only. Unlike `Codec`, it is covariant (no `encode`), so a
 * `Decoder<SyncRequestMsg>` is a `Decoder<ChannelMsg>`: tables of members use it.
 */
export type Decoder<A> = t.Decoder<unknown, A>;

/**
 * The context of a first, optimistic pass: no path is built while validating, since nearly
 * every received value is valid. Building one (`t.appendContext` copies the path array for
 * every field of every message) was the largest allocation per received message in the W3
 * profile. When the pass fails, callers validate again from a real context to word the error
 * (`decode.ts`), so errors read exactly as before.
 */
export const FAST: t.Context = Object.freeze([]) as t.Context;

/** `t.appendContext`, except on the optimistic pass (`FAST`), where no path is kept. */
export const appendAt = (
  c: t.Context,
  key: string | (() => string),
  decoder: t.Decoder<unknown, unknown>,
  actual: unknown,
): t.Context =>
  c === FAST ? FAST : t.appendContext(c, typeof key === "string" ? key : key(), decoder, actual);

/** Context key of an array element. */
export const indexKey = (i: number): string => `[${i}]`;
/** Context key of a record entry whose key came from the peer. */
export const entryKey = (key: string): string => `[${renderString(key)}]`;

/**
 * Structural equality over decoded data. Bytes compare by reference because decoding never
 * copies them.
 */
const sameData = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (typedArrayName(a) !== undefined || typedArrayName(b) !== undefined) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameData(x, b[i]));
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && sameData(a[k], b[k]));
};

/**
 * The guard `is` answers "is this already canonical?" (decoding would change nothing), so it
 * never vouches for a value that still carries `null` optionals or extra keys.
 */
export const codec = <A>(name: string, validate: t.Validate<unknown, A>): Codec<A> => {
  const self: Codec<A> = new t.Type<A, A, unknown>(
    name,
    (u): u is A => {
      try {
        const r = validate(u, t.getDefaultContext(self));
        return isRight(r) && sameData(r.right, u);
      } catch {
        return false;
      }
    },
    validate,
    t.identity,
  );
  return self;
};

export const literal = <const L extends string>(value: L): Codec<L> =>
  codec(JSON.stringify(value), (u, c) => (u === value ? t.success(value) : t.failure(u, c)));

export const oneOf = <const L extends string>(values: readonly L[], name?: string): Codec<L> => {
  const set: ReadonlySet<unknown> = new Set(values);
  const label = name ?? `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`;
  return codec(label, (u, c) => (set.has(u) ? t.success(u as L) : t.failure(u, c)));
};

/**
 * For fields that peers may leave out (absent, `undefined`, and `null` unless `nullIsAbsent` is
 * false) but that have a meaning.
 */
export const withDefault = <A>(
  inner: Codec<A>,
  fallback: A,
  { nullIsAbsent = true }: { readonly nullIsAbsent?: boolean } = {},
): Codec<A> =>
  codec(inner.name, (u, c) =>
    u === undefined || (nullIsAbsent && u === null) ? t.success(fallback) : inner.validate(u, c),
  );

export const arrayOf = <A>(name: string, item: Codec<A>): Codec<readonly A[]> =>
  codec(name, (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c);
    const out: A[] = [];
    for (let i = 0; i < u.length; i++) {
      const v: unknown = u[i];
      const r = item.validate(
        v,
        appendAt(c, () => indexKey(i), item, v),
      );
      if (isLeft(r)) return r;
      out.push(r.right);
    }
    return t.success(out);
  });

// `t.Mixed` rather than `Codec<unknown>`: a codec's `encode` is contravariant in its type.
type Props = Readonly<Record<string, t.Mixed>>;
type Required<R extends Props> = { readonly [K in keyof R]: t.TypeOf<R[K]> };
type Optional<O extends Props> = { readonly [K in keyof O]?: t.TypeOf<O[K]> };
export type StructOf<R extends Props, O extends Props> = Required<R> & Optional<O>;

/**
 * A plain object with `required` and `optional` fields. The output holds only those keys, so a
 * decoded message equals its canonical form; optional fields given as `undefined` or `null`
 * are left out (spec §4.15). Required fields see `undefined` when missing, so `withDefault`
 * codecs can fill them in.
 */
export const structWith = <R extends Props, O extends Props>(
  name: string,
  required: R,
  optional: O,
): Codec<StructOf<R, O>> => {
  const req = Object.entries(required);
  const opt = Object.entries(optional);
  return codec(name, (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c);
    const out: Record<string, unknown> = {};
    for (const [key, field] of req) {
      const v = u[key];
      const r = field.validate(v, appendAt(c, key, field, v));
      if (isLeft(r)) return t.failures(r.left);
      out[key] = r.right;
    }
    for (const [key, field] of opt) {
      const v = u[key];
      if (v === undefined || v === null) continue;
      const r = field.validate(v, appendAt(c, key, field, v));
      if (isLeft(r)) return t.failures(r.left);
      out[key] = r.right;
    }
    return t.success(out as StructOf<R, O>);
  });
};

/** A plain object with only required fields. */
export const struct = <R extends Props>(
  name: string,
  required: R,
): Codec<StructOf<R, Record<never, never>>> => structWith(name, required, {});

/**
 * Dispatch on a string `type` field. A bad or unknown tag is reported at `.type` with the list of
 * allowed tags, which reads better than one failure per union member.
 */
export const taggedUnion = <A>(
  name: string,
  tag: Decoder<string>,
  members: ReadonlyMap<string, Decoder<A>>,
): Codec<A> =>
  codec(name, (u, c) => {
    if (!isPlainObject(u)) return t.failure(u, c);
    const v = u.type;
    const r = tag.validate(v, appendAt(c, "type", tag, v));
    if (isLeft(r)) return t.failures(r.left);
    const member = members.get(r.right);
    return member === undefined ? t.failure(v, c) : member.validate(u, c);
  });
