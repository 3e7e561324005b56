/**
 * Compact, safe rendering of a received value for error messages ("…, got <value>").
 *
 * The value comes from a peer or from a careless caller, so rendering must never throw, never
 * loop on cycles, never run accessors (a getter may throw or have side effects) and never
 * produce a huge string: errors end up in logs and event streams.
 */

/** Long strings are cut here; the original length is reported instead. */
export const RENDER_MAX_STRING = 60;
/** Arrays and objects show this many entries, then how many there were. */
export const RENDER_MAX_ENTRIES = 5;
/** Nesting shown before `…`; also what keeps cyclic values finite. */
export const RENDER_MAX_DEPTH = 2;
/** Hard cap on the whole rendering, whatever the shape. */
export const RENDER_MAX_TOTAL = 200;

const typedArrayTag = (() => {
  const proto = Object.getPrototypeOf(Uint8Array.prototype) as object;
  const getter = Object.getOwnPropertyDescriptor(proto, Symbol.toStringTag)?.get;
  return getter ?? (() => undefined);
})();

/**
 * The typed-array kind from the internal slot, so it cannot be spoofed with `Symbol.toStringTag`
 * and works across realms (jest contexts, iframes). `undefined` for anything else.
 */
export const typedArrayName = (value: unknown): string | undefined => {
  if (!ArrayBuffer.isView(value)) return undefined;
  const name: unknown = typedArrayTag.call(value);
  return typeof name === "string" ? name : undefined;
};

/** Plain objects only: prototype is some realm's `Object.prototype`, or none at all. */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export const renderString = (s: string): string =>
  s.length > RENDER_MAX_STRING
    ? `${JSON.stringify(s.slice(0, RENDER_MAX_STRING))}… (${s.length} chars)`
    : JSON.stringify(s);

const renderKey = (key: string): string => (IDENTIFIER.test(key) ? key : renderString(key));

const renderEntries = (parts: string[], total: number, open: string, close: string): string => {
  const more = total > parts.length ? `, …(${total} total)` : "";
  return `${open}${parts.join(", ")}${more}${close}`;
};

const renderArray = (value: readonly unknown[], depth: number): string => {
  if (depth >= RENDER_MAX_DEPTH) return value.length === 0 ? "[]" : `[…(${value.length})]`;
  const parts: string[] = [];
  const shown = Math.min(value.length, RENDER_MAX_ENTRIES);
  for (let i = 0; i < shown; i++) {
    const d = Object.getOwnPropertyDescriptor(value, i);
    parts.push(d === undefined ? "<hole>" : renderSlot(d, depth + 1));
  }
  return renderEntries(parts, value.length, "[", "]");
};

const renderSlot = (d: PropertyDescriptor, depth: number): string =>
  "value" in d ? renderAt(d.value, depth) : "<getter>";

const renderObject = (value: object, depth: number): string => {
  const keys = Object.keys(value);
  if (depth >= RENDER_MAX_DEPTH) return keys.length === 0 ? "{}" : "{…}";
  const parts: string[] = [];
  for (const key of keys.slice(0, RENDER_MAX_ENTRIES)) {
    const d = Object.getOwnPropertyDescriptor(value, key);
    parts.push(`${renderKey(key)}: ${d === undefined ? "<gone>" : renderSlot(d, depth + 1)}`);
  }
  return renderEntries(parts, keys.length, "{", "}");
};

const constructorName = (value: object): string | undefined => {
  const proto: unknown = Object.getPrototypeOf(value);
  if (typeof proto !== "object" || proto === null) return undefined;
  const d = Object.getOwnPropertyDescriptor(proto, "constructor");
  const ctor: unknown = d !== undefined && "value" in d ? d.value : undefined;
  if (typeof ctor !== "function") return undefined;
  const nd = Object.getOwnPropertyDescriptor(ctor, "name");
  return nd !== undefined && typeof nd.value === "string" && nd.value !== "" ? nd.value : undefined;
};

const renderOther = (value: object): string => {
  if (value instanceof Map || value instanceof Set) {
    return `${value instanceof Map ? "Map" : "Set"}(${value.size})`;
  }
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const name = constructorName(value) ?? tag;
  return tag === "Object" || tag === name ? `${name} {…}` : `${name} (${tag})`;
};

const renderAt = (value: unknown, depth: number): string => {
  try {
    switch (typeof value) {
      case "string":
        return renderString(value);
      case "number":
        return Object.is(value, -0) ? "-0" : String(value);
      case "bigint":
        return `${value}n`;
      case "boolean":
      case "undefined":
        return String(value);
      case "symbol":
        return value.description === undefined
          ? "Symbol()"
          : `Symbol(${renderString(value.description)})`;
      case "function":
        return "function";
    }
    if (typeof value !== "object" || value === null) return String(value);
    const typed = typedArrayName(value);
    if (typed !== undefined) return `${typed}(${(value as ArrayLike<unknown>).length})`;
    if (Array.isArray(value)) return renderArray(value, depth);
    if (isPlainObject(value)) return renderObject(value, depth);
    return renderOther(value);
  } catch {
    // Proxies can throw from any trap, including the ones behind Array.isArray or Object.keys.
    return "<unreadable value>";
  }
};

/** Renders `value` in at most `RENDER_MAX_TOTAL` characters; never throws. */
export const renderValue = (value: unknown): string => {
  const s = renderAt(value, 0);
  return s.length > RENDER_MAX_TOTAL ? `${s.slice(0, RENDER_MAX_TOTAL - 1)}…` : s;
};
