import vm from "node:vm";
import {
  isPlainObject,
  RENDER_MAX_TOTAL,
  renderValue,
  typedArrayName,
} from "../../../src/protocol/codecs/render.js";

class Peer {
  id = 1;
}

describe("renderValue", () => {
  test.each([
    ["undefined", undefined, "undefined"],
    ["null", null, "null"],
    ["a boolean", true, "true"],
    ["a number", 42, "42"],
    ["-0", -0, "-0"],
    ["NaN", Number.NaN, "NaN"],
    ["a bigint", 12n, "12n"],
    ["a string", 'a"b', '"a\\"b"'],
    ["a symbol", Symbol("s"), 'Symbol("s")'],
    ["an anonymous symbol", Symbol(), "Symbol()"],
    ["a function", () => 1, "function"],
    ["bytes", new Uint8Array(12), "Uint8Array(12)"],
    ["a Buffer", Buffer.alloc(5), "Uint8Array(5)"],
    ["another typed array", new Float64Array(2), "Float64Array(2)"],
    ["an empty array", [], "[]"],
    ["an array", [1, "a", null], '[1, "a", null]'],
    ["a sparse array", Object.assign(new Array<number>(3), { 0: 1, 2: 3 }), "[1, <hole>, 3]"],
    ["an object", { a: 1, "b-c": [2] }, '{a: 1, "b-c": [2]}'],
    ["a null-prototype object", Object.assign(Object.create(null) as object, { x: 1 }), "{x: 1}"],
    ["a Map", new Map([[1, 2]]), "Map(1)"],
    ["a Set", new Set([1, 2]), "Set(2)"],
    ["a Date", new Date(0), "Date {…}"],
    ["a class instance", new Peer(), "Peer {…}"],
    ["a boxed string", new String("s"), "String {…}"],
  ])("%s", (_label, value, expected) => {
    expect(renderValue(value)).toBe(expected);
  });

  test("long strings are cut and their length given", () => {
    expect(renderValue("x".repeat(100))).toBe(`"${"x".repeat(60)}"… (100 chars)`);
  });

  test("long arrays and objects show their first entries and their size", () => {
    expect(renderValue([1, 2, 3, 4, 5, 6, 7])).toBe("[1, 2, 3, 4, 5, …(7 total)]");
    const wide = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, i]));
    expect(renderValue(wide)).toBe("{k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, …(9 total)}");
  });

  test("nesting is cut, which also keeps cycles finite", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(renderValue(cyclic)).toBe("{a: 1, self: {a: 1, self: {…}}}");
    expect(renderValue([[[[1]]]])).toBe("[[[…(1)]]]");
  });

  test("getters are shown, never run", () => {
    let ran = false;
    const value = Object.defineProperty({}, "x", {
      enumerable: true,
      get() {
        ran = true;
        throw new Error("boom");
      },
    });
    expect(renderValue(value)).toBe("{x: <getter>}");
    expect(ran).toBe(false);
  });

  test("a Proxy that throws from every trap renders as unreadable", () => {
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("boom");
        },
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    expect(renderValue(hostile)).toBe("<unreadable value>");
    expect(renderValue([hostile])).toBe("[<unreadable value>]");
  });

  test("a spoofed toStringTag does not pass for bytes", () => {
    expect(renderValue({ [Symbol.toStringTag]: "Uint8Array", length: 3 })).toBe("{length: 3}");
  });

  test(`the whole rendering stays within ${RENDER_MAX_TOTAL} characters`, () => {
    const big = Array.from({ length: 5 }, () =>
      Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`key${i}`, "v".repeat(60)])),
    );
    const out = renderValue(big);
    expect(out.length).toBe(RENDER_MAX_TOTAL);
    expect(out.endsWith("…")).toBe(true);
  });
});

describe("shape tests", () => {
  test("typedArrayName reads the internal slot, across realms", () => {
    expect(typedArrayName(vm.runInNewContext("new Uint8Array(1)"))).toBe("Uint8Array");
    expect(typedArrayName(Buffer.alloc(1))).toBe("Uint8Array");
    expect(typedArrayName(new DataView(new ArrayBuffer(1)))).toBeUndefined();
    expect(typedArrayName([1])).toBeUndefined();
  });

  test("isPlainObject accepts literal, null-prototype and foreign-realm objects only", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(vm.runInNewContext("({})"))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject(new Peer())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });
});
