/**
 * The contract of the storage port (spec §12.8), as a test suite any backend can run under jest
 * or vitest:
 *
 * ```ts
 * runStorageAcceptanceSuite("my backend", async () => {
 *   const db = await openMyStore();
 *   return { backend: myBackend(db), cleanup: () => db.destroy() };
 * });
 * ```
 *
 * Every test gets a fresh backend from `makeBackend`, closes it at the end (so `close()` must be
 * idempotent) and then calls `cleanup()`. Give `reopen` to also check persistence: it is called
 * after the backend is closed and must open a new backend on the same store.
 *
 * `runStorageAcceptanceSuite` uses the test runner's global `describe`/`it`/`expect`, declared
 * here with the few members used so that library code does not depend on jest's types.
 * `storageAcceptanceCases` gives the same checks without any test runner, as a list of named
 * functions with a small `expect` of their own: run them where jest cannot go (inside a browser
 * page, for `indexedDbStorage`).
 */
import type {
  StorageBackend,
  StorageBatchOp,
  StorageEntry,
  StorageKey,
} from "../storage/storage-backend.js";

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toBeUndefined(): void;
  readonly not: Matchers;
}
/** What the suite needs of a test runner. */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  expect(actual: unknown): Matchers;
}
declare const describe: TestApi["describe"];
declare const it: TestApi["it"];
declare const expect: TestApi["expect"];

export interface StorageUnderTest {
  readonly backend: StorageBackend;
  /** Removes whatever the backend left behind (files, tables). Called after `backend.close()`. */
  cleanup(): Promise<void>;
  /** Opens a new backend on the same store, after the first one is closed. Persistent stores. */
  reopen?(): Promise<StorageBackend>;
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Small blobs compared as arrays (readable diffs, and a Buffer equals its Uint8Array). */
const plain = (data: Uint8Array | undefined): number[] | undefined =>
  data === undefined ? undefined : Array.from(data);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Entries in a canonical order, keys as JSON, data as arrays: order is not part of the port. */
const normalize = (entries: readonly StorageEntry[]): [string, number[]][] =>
  entries
    .map((e): [string, number[]] => [JSON.stringify(e.key), Array.from(e.data)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

const keysOf = (entries: readonly StorageEntry[]): string[] =>
  entries.map((e) => JSON.stringify(e.key)).sort();

const sortedJson = (keys: readonly StorageKey[]): string[] =>
  keys.map((k) => JSON.stringify(k)).sort();

/**
 * docIds that have broken real backends: separators of common key encodings (`::`, `/`, NUL,
 * JSON punctuation), SQL wildcards, empty strings, unicode, lone surrogates (which a naive UTF-8
 * encoding turns into U+FFFD), and names that are prefixes of each other as strings.
 */
export const TRICKY_DOC_IDS: readonly string[] = [
  "doc",
  "doc2",
  "do",
  "docs",
  "",
  "doc::update",
  "doc:",
  "::",
  "a::b",
  "a",
  "a/b",
  "a\\b",
  "doc\u0000",
  "doc\u0000x",
  "doc\u0001",
  "\u0000",
  '"',
  '["doc"',
  'doc","update',
  "%",
  "_",
  "doc%",
  "doc_",
  "日本語",
  "😀",
  "\uD83D",
  "\uFFFD",
  "\uFFFF",
  "null",
  "undefined",
];

export const runStorageAcceptanceSuite = (
  name: string,
  makeBackend: () => Promise<StorageUnderTest>,
): void => defineSuite(name, makeBackend, { describe, it, expect });

const defineSuite = (
  name: string,
  makeBackend: () => Promise<StorageUnderTest>,
  { describe, it, expect }: TestApi,
): void => {
  /** Runs `body` on a fresh backend and always closes and cleans up. */
  const withBackend = async (
    body: (backend: StorageBackend, under: StorageUnderTest) => Promise<StorageBackend | undefined>,
  ): Promise<void> => {
    const under = await makeBackend();
    let current = under.backend;
    try {
      current = (await body(under.backend, under)) ?? current;
    } finally {
      await current.close();
      await current.close();
      await under.cleanup();
    }
  };
  const test = (what: string, body: (backend: StorageBackend) => Promise<void>, timeout?: number) =>
    it(
      what,
      () =>
        withBackend(async (backend) => {
          await body(backend);
          return undefined;
        }),
      timeout,
    );

  describe(`storage backend acceptance: ${name}`, () => {
    describe("load, save, remove", () => {
      test("a missing key loads as undefined", async (b) => {
        expect(await b.load(["nothing"])).toBeUndefined();
        expect(await b.load(["nothing", "here"])).toBeUndefined();
        expect(await b.loadRange(["nothing"])).toEqual([]);
      });

      test("save then load returns the bytes; save again replaces them", async (b) => {
        await b.save(["d", "update", "1"], bytes(1, 2, 3));
        expect(plain(await b.load(["d", "update", "1"]))).toEqual([1, 2, 3]);
        await b.save(["d", "update", "1"], bytes(9));
        expect(plain(await b.load(["d", "update", "1"]))).toEqual([9]);
        expect(normalize(await b.loadRange(["d"]))).toEqual([['["d","update","1"]', [9]]]);
      });

      test("remove deletes exactly one key; removing a missing key is a no-op", async (b) => {
        await b.save(["d"], bytes(1));
        await b.save(["d", "x"], bytes(2));
        await b.save(["d", "x", "y"], bytes(3));
        await b.remove(["d", "x"]);
        expect(plain(await b.load(["d"]))).toEqual([1]);
        expect(await b.load(["d", "x"])).toBeUndefined();
        expect(plain(await b.load(["d", "x", "y"]))).toEqual([3]);
        await b.remove(["d", "x"]);
        await b.remove(["never", "saved"]);
        expect(keysOf(await b.loadRange([]))).toEqual(['["d","x","y"]', '["d"]'].sort());
      });

      test("keys of different lengths are different keys", async (b) => {
        const keys: StorageKey[] = [["a"], ["a", ""], ["a", "", ""], ["a", "b"], ["", "a"], [""]];
        for (const [i, key] of keys.entries()) await b.save(key, bytes(i));
        for (const [i, key] of keys.entries()) expect(plain(await b.load(key))).toEqual([i]);
        expect((await b.loadRange([])).length).toBe(keys.length);
      });

      test("the stored bytes do not change when the caller reuses its buffer", async (b) => {
        const data = bytes(1, 2, 3);
        await b.save(["d"], data);
        data[0] = 42;
        const loaded = await b.load(["d"]);
        expect(plain(loaded)).toEqual([1, 2, 3]);
        if (loaded !== undefined) loaded[1] = 42;
        expect(plain(await b.load(["d"]))).toEqual([1, 2, 3]);
      });
    });

    describe("element-wise prefixes", () => {
      test('["doc"] does not match ["doc2"], ["docs"] or ["do"]', async (b) => {
        for (const id of ["doc", "doc2", "docs", "do"]) {
          await b.save([id, "update", "1"], text(id));
        }
        await b.save(["doc"], text("doc itself"));
        expect(keysOf(await b.loadRange(["doc"]))).toEqual(
          ['["doc","update","1"]', '["doc"]'].sort(),
        );
        expect(keysOf(await b.loadRange(["do"]))).toEqual(['["do","update","1"]']);
        expect(keysOf(await b.loadRange(["doc", "update"]))).toEqual(['["doc","update","1"]']);
        expect(keysOf(await b.loadRange(["doc", "upd"]))).toEqual([]);
      });

      test("no docId reaches into another docId's range", async (b) => {
        for (const id of TRICKY_DOC_IDS) {
          await b.save([id, "update", "1"], text(`1:${id}`));
          await b.save([id, "update", "2"], text(`2:${id}`));
        }
        for (const id of TRICKY_DOC_IDS) {
          const entries = await b.loadRange([id]);
          expect(normalize(entries)).toEqual(
            normalize([
              { key: [id, "update", "1"], data: text(`1:${id}`) },
              { key: [id, "update", "2"], data: text(`2:${id}`) },
            ]),
          );
          expect(plain(await b.load([id, "update", "2"]))).toEqual(Array.from(text(`2:${id}`)));
        }
        expect((await b.loadRange([])).length).toBe(TRICKY_DOC_IDS.length * 2);
      });

      test("key segments come back exactly as saved (separators, unicode, lone surrogates)", async (b) => {
        const keys: StorageKey[] = TRICKY_DOC_IDS.map((id) => [id, id, "x"]);
        for (const key of keys) await b.save(key, bytes(1));
        expect(keysOf(await b.loadRange([]))).toEqual(sortedJson(keys));
        if (b.keys !== undefined) expect(sortedJson(await b.keys([]))).toEqual(sortedJson(keys));
      });

      test("loadRange([]) returns everything, with the data of each key", async (b) => {
        const entries: StorageEntry[] = [
          { key: ["a", "update", "1"], data: bytes(1) },
          { key: ["b"], data: bytes(2) },
          { key: ["c", "x", "y", "z"], data: bytes(3) },
        ];
        for (const e of entries) await b.save(e.key, e.data);
        expect(normalize(await b.loadRange([]))).toEqual(normalize(entries));
      });

      test("keys(prefix), when implemented, lists what loadRange(prefix) returns", async (b) => {
        if (b.keys === undefined) return;
        for (const id of ["doc", "doc2", "a::b"]) {
          await b.save([id, "update", "1"], bytes(1));
          await b.save([id, "update", "2"], bytes(2));
        }
        for (const prefix of [[], ["doc"], ["doc2"], ["a::b", "update"], ["a"]] as StorageKey[]) {
          expect(sortedJson(await b.keys(prefix))).toEqual(keysOf(await b.loadRange(prefix)));
        }
      });
    });

    describe("removeRange", () => {
      test("removes the prefix key and everything under it, and nothing else", async (b) => {
        for (const id of TRICKY_DOC_IDS) {
          await b.save([id], text(id));
          await b.save([id, "update", "1"], text(id));
        }
        const victims = ["doc", "", "a::b", "doc\u0000", "%", "\uD83D"];
        for (const id of victims) await b.removeRange([id]);
        for (const id of TRICKY_DOC_IDS) {
          const expected = victims.includes(id) ? 0 : 2;
          expect([id, (await b.loadRange([id])).length]).toEqual([id, expected]);
        }
      });

      test("a longer prefix removes only its subtree", async (b) => {
        await b.save(["d"], bytes(0));
        await b.save(["d", "update", "1"], bytes(1));
        await b.save(["d", "update2", "1"], bytes(2));
        await b.save(["d", "snapshot", "1"], bytes(3));
        await b.removeRange(["d", "update"]);
        expect(keysOf(await b.loadRange([]))).toEqual(
          ['["d"]', '["d","update2","1"]', '["d","snapshot","1"]'].sort(),
        );
      });

      test("removeRange([]) removes everything; a missing prefix is a no-op", async (b) => {
        await b.removeRange(["missing"]);
        await b.save(["a"], bytes(1));
        await b.save(["b", "c"], bytes(2));
        await b.removeRange([]);
        expect(await b.loadRange([])).toEqual([]);
      });
    });

    describe("values", () => {
      test("every byte value, and the empty value (which is not a missing value)", async (b) => {
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        await b.save(["all"], all);
        await b.save(["empty"], new Uint8Array(0));
        expect(plain(await b.load(["all"]))).toEqual(Array.from(all));
        const empty = await b.load(["empty"]);
        expect(empty instanceof Uint8Array).toBe(true);
        expect(empty?.byteLength).toBe(0);
        expect(normalize(await b.loadRange(["empty"]))).toEqual([['["empty"]', []]]);
      });

      test("a 5 MB value round-trips", async (b) => {
        const big = new Uint8Array(5 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 65_536) {
          crypto.getRandomValues(big.subarray(i, Math.min(i + 65_536, big.length)));
        }
        await b.save(["big", "update", "1"], big);
        const loaded = await b.load(["big", "update", "1"]);
        expect(loaded?.byteLength).toBe(big.byteLength);
        expect(loaded !== undefined && sameBytes(loaded, big)).toBe(true);
        const [entry] = await b.loadRange(["big"]);
        expect(entry !== undefined && sameBytes(entry.data, big)).toBe(true);
      }, 60_000);
    });

    test("1,000 documents: each range holds exactly its own chunks", async (b) => {
      const ids = Array.from({ length: 1000 }, (_, i) => `doc-${i}`);
      await Promise.all(
        ids.flatMap((id, i) => [
          b.save([id, "update", "1"], text(`${i}a`)),
          b.save([id, "update", "2"], text(`${i}b`)),
        ]),
      );
      expect((await b.loadRange([])).length).toBe(2000);
      for (const [i, id] of ids.entries()) {
        const entries = await b.loadRange([id]);
        expect(normalize(entries)).toEqual(
          normalize([
            { key: [id, "update", "1"], data: text(`${i}a`) },
            { key: [id, "update", "2"], data: text(`${i}b`) },
          ]),
        );
      }
      await Promise.all(ids.filter((_, i) => i % 2 === 0).map((id) => b.removeRange([id])));
      expect((await b.loadRange([])).length).toBe(1000);
      expect((await b.loadRange(["doc-1"])).length).toBe(2);
      expect((await b.loadRange(["doc-10"])).length).toBe(0);
    }, 60_000);

    describe("batch (when implemented)", () => {
      test("applies puts and deletes together", async (b) => {
        if (b.batch === undefined) return;
        await b.save(["d", "update", "1"], bytes(1));
        await b.save(["d", "update", "2"], bytes(2));
        await b.batch([
          { type: "put", key: ["d", "update", "3"], data: bytes(3) },
          { type: "del", key: ["d", "update", "1"] },
          { type: "del", key: ["d", "update", "2"] },
          { type: "del", key: ["d", "update", "missing"] },
        ]);
        expect(normalize(await b.loadRange(["d"]))).toEqual([['["d","update","3"]', [3]]]);
        await b.batch([]);
      });

      test("a reader sees the state before the batch or after it, never a mix", async (b) => {
        if (b.batch === undefined) return;
        const before = Array.from({ length: 50 }, (_, i) => ["d", "update", `old-${i}`] as const);
        for (const key of before) await b.save(key, bytes(1));
        const ops: StorageBatchOp[] = [
          { type: "put", key: ["d", "update", "snapshot"], data: bytes(2) },
          ...before.map((key) => ({ type: "del" as const, key })),
        ];
        const reads: Promise<StorageEntry[]>[] = [];
        const written = b.batch(ops);
        for (let i = 0; i < 20; i++) reads.push(b.loadRange(["d"]));
        await written;
        for (const entries of await Promise.all(reads)) {
          const n = entries.length;
          const snapshot = entries.some((e) => e.key[2] === "snapshot");
          expect([n, snapshot]).toEqual(snapshot ? [1, true] : [50, false]);
        }
        expect((await b.loadRange(["d"])).length).toBe(1);
      });

      test("a batch that fails applies nothing", async (b) => {
        if (b.batch === undefined) return;
        await b.save(["d", "1"], bytes(1));
        const bad = [
          { type: "put", key: ["d", "2"], data: bytes(2) },
          { type: "del", key: ["d", "1"] },
          { type: "put", key: null, data: bytes(3) },
        ] as unknown as StorageBatchOp[];
        let failed = false;
        try {
          await b.batch(bad);
        } catch {
          failed = true;
        }
        expect(failed).toBe(true);
        expect(normalize(await b.loadRange(["d"]))).toEqual([['["d","1"]', [1]]]);
      });
    });

    describe("lifecycle", () => {
      test("sync(), when implemented, resolves", async (b) => {
        await b.save(["d"], bytes(1));
        await b.sync?.();
        expect(plain(await b.load(["d"]))).toEqual([1]);
      });

      it("operations after close() reject; close() is idempotent", () =>
        withBackend(async (b) => {
          await b.save(["d"], bytes(1));
          await b.close();
          for (const attempt of [
            () => b.load(["d"]),
            () => b.save(["d"], bytes(2)),
            () => b.loadRange([]),
            () => b.removeRange(["d"]),
          ]) {
            let rejected = false;
            try {
              await attempt();
            } catch {
              rejected = true;
            }
            expect(rejected).toBe(true);
          }
          return undefined;
        }));

      it("data survives close and reopen (persistent backends)", () =>
        withBackend(async (b, under) => {
          if (under.reopen === undefined) return undefined;
          for (const id of TRICKY_DOC_IDS) await b.save([id, "update", "1"], text(id));
          await b.save(["empty"], new Uint8Array(0));
          await b.removeRange(["doc"]);
          await b.sync?.();
          await b.close();
          const again = await under.reopen();
          const expected = TRICKY_DOC_IDS.filter((id) => id !== "doc").map((id) => ({
            key: [id, "update", "1"],
            data: text(id),
          }));
          expected.push({ key: ["empty"], data: new Uint8Array(0) });
          expect(normalize(await again.loadRange([]))).toEqual(normalize(expected));
          return again;
        }));
    });
  });
};

/** One check of the suite, runnable without a test runner; rejects when it fails. */
export interface AcceptanceCase {
  /** The describe blocks and the test name, joined with " › ". */
  readonly name: string;
  readonly timeoutMs?: number;
  run(): Promise<void>;
}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Structural equality with jest's `toEqual` meaning for the values the suite compares. */
const deepEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true;
  if (isBytes(a) && isBytes(b)) return sameBytes(a, b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
};

const show = (v: unknown): string => {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (isBytes(x) ? Array.from(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
};

const matchers = (actual: unknown, negated: boolean): Matchers => {
  const check = (ok: boolean, what: string): void => {
    if (ok === negated) throw new Error(`expected ${show(actual)} ${negated ? "not " : ""}${what}`);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), `to be ${show(expected)}`),
    toEqual: (expected) => check(deepEqual(actual, expected), `to equal ${show(expected)}`),
    toBeUndefined: () => check(actual === undefined, "to be undefined"),
    get not() {
      return matchers(actual, !negated);
    },
  };
};

/** The suite's checks as plain functions (see the module comment). */
export const storageAcceptanceCases = (
  name: string,
  makeBackend: () => Promise<StorageUnderTest>,
): AcceptanceCase[] => {
  const cases: AcceptanceCase[] = [];
  const path: string[] = [];
  defineSuite(name, makeBackend, {
    describe(block, body) {
      path.push(block);
      try {
        body();
      } finally {
        path.pop();
      }
    },
    it(test, run, timeoutMs) {
      const full = [...path, test].join(" › ");
      cases.push(timeoutMs === undefined ? { name: full, run } : { name: full, run, timeoutMs });
    },
    expect: (actual) => matchers(actual, false),
  });
  return cases;
};
