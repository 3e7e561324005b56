import fc from "fast-check";
import {
  emptyPMap,
  type PMap,
  pmapFromEntries,
  pmapGet,
  pmapRemove,
  pmapSet,
  pmapValues,
} from "../../src/program/pmap.js";

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`pmap properties: FC_SEED=${seed}`);

type Op = { kind: "set"; key: string; value: number } | { kind: "remove"; key: string };

const keyArb = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom("doc-0001", "doc-0002", ""));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: keyArb, value: fc.integer() }),
  fc.record({ kind: fc.constant("remove" as const), key: keyArb }),
);

describe("pmap, the persistent map under the model", () => {
  it("behaves like a Map for any sequence of sets and removes, and never mutates old versions", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        let map: PMap<number> = emptyPMap();
        const reference = new Map<string, number>();
        for (const op of ops) {
          const before = map;
          const beforeJson = JSON.stringify(before);
          map = op.kind === "set" ? pmapSet(map, op.key, op.value) : pmapRemove(map, op.key);
          if (op.kind === "set") reference.set(op.key, op.value);
          else reference.delete(op.key);
          expect(JSON.stringify(before)).toBe(beforeJson);
        }
        expect(map.size).toBe(reference.size);
        for (const [k, v] of reference) expect(pmapGet(map, k)).toBe(v);
        expect(pmapValues(map).sort()).toEqual([...reference.values()].sort());
      }),
      { seed, numRuns: 300 },
    );
  });

  it("gives equal structures for equal contents, whatever the insertion order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 60 }), (keys) => {
        const a = pmapFromEntries(keys.map((k) => [k, 1] as const));
        const b = pmapFromEntries([...keys].reverse().map((k) => [k, 1] as const));
        expect(b).toEqual(a);
      }),
      { seed, numRuns: 200 },
    );
  });

  it("survives structuredClone and JSON with 10,000 entries", () => {
    let map: PMap<{ n: number }> = emptyPMap();
    for (let i = 0; i < 10_000; i++) map = pmapSet(map, `doc-${i}`, { n: i });
    const cloned = structuredClone(map);
    const parsed = JSON.parse(JSON.stringify(map)) as PMap<{ n: number }>;
    expect(pmapGet(cloned, "doc-4242")).toEqual({ n: 4242 });
    expect(pmapGet(parsed, "doc-9999")).toEqual({ n: 9999 });
    expect(parsed.size).toBe(10_000);
  });
});
