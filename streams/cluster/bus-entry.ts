/**
 * What travels on the bus, as Redis sees it.
 *
 * - A stream entry (one stream per document) is a field list: `o` the origin hub, `k` the kind
 *   (`update`, `snapshot` or `delete`), and for data `d` the Loro bytes and `v` the version the
 *   sender stated (JSON). The origin is what keeps a hub from applying its own entries again.
 * - A presence message (pub/sub, never persisted) is JSON: `{ o, s: [[peerId, namespace, b64]] }`.
 *
 * Decoding never throws: anything unexpected is `undefined`, and the caller reports it.
 */
import type { PresenceEntry } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

export type BusEntry =
  | {
      readonly kind: "update" | "snapshot";
      readonly origin: string;
      readonly data: Uint8Array;
      readonly version: VersionVector;
    }
  | { readonly kind: "delete"; readonly origin: string };

export const encodeEntry = (entry: BusEntry): (string | Buffer)[] =>
  entry.kind === "delete"
    ? ["o", entry.origin, "k", "delete"]
    : [
        "o",
        entry.origin,
        "k",
        entry.kind,
        "d",
        Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength),
        "v",
        JSON.stringify(entry.version),
      ];

const isVersion = (v: unknown): v is VersionVector =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0);

export const decodeEntry = (fields: readonly Buffer[]): BusEntry | undefined => {
  const byName = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i]!.toString(), fields[i + 1]!);
  const origin = byName.get("o")?.toString();
  const kind = byName.get("k")?.toString();
  if (origin === undefined) return undefined;
  if (kind === "delete") return { kind, origin };
  if (kind !== "update" && kind !== "snapshot") return undefined;
  const d = byName.get("d");
  const v = byName.get("v");
  if (d === undefined || v === undefined) return undefined;
  let version: unknown;
  try {
    version = JSON.parse(v.toString());
  } catch {
    return undefined;
  }
  if (!isVersion(version)) return undefined;
  return { kind, origin, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength), version };
};

export const encodePresence = (origin: string, stores: readonly PresenceEntry[]): string =>
  JSON.stringify({
    o: origin,
    s: stores.map((e) => [e.peerId, e.namespace, Buffer.from(e.data).toString("base64")]),
  });

export const decodePresence = (
  message: string,
): { readonly origin: string; readonly stores: PresenceEntry[] } | undefined => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { o, s } = parsed as { o?: unknown; s?: unknown };
  if (typeof o !== "string" || !Array.isArray(s)) return undefined;
  const stores: PresenceEntry[] = [];
  for (const item of s) {
    if (!Array.isArray(item) || item.length !== 3) return undefined;
    const [peerId, namespace, data] = item as unknown[];
    if (typeof peerId !== "string" || typeof namespace !== "string" || typeof data !== "string") {
      return undefined;
    }
    stores.push({ peerId, namespace, data: new Uint8Array(Buffer.from(data, "base64")) });
  }
  return { origin: o, stores };
};

/** Stream entry ids are `<ms>-<seq>`. */
export const entryMs = (id: string): number => Number(id.slice(0, id.indexOf("-")));

/** The smallest id after `id` (XTRIM MINID keeps ids >= its argument). */
export const nextEntryId = (id: string): string => {
  const dash = id.indexOf("-");
  return `${id.slice(0, dash)}-${BigInt(id.slice(dash + 1)) + 1n}`;
};

/** `a` sorts after `b`. */
export const entryAfter = (a: string, b: string): boolean => {
  const ma = BigInt(a.slice(0, a.indexOf("-")));
  const mb = BigInt(b.slice(0, b.indexOf("-")));
  if (ma !== mb) return ma > mb;
  return BigInt(a.slice(a.indexOf("-") + 1)) > BigInt(b.slice(b.indexOf("-") + 1));
};

/** The later of two entry ids. */
export const laterId = (a: string, b: string): string => (entryAfter(a, b) ? a : b);

/**
 * Trims a stream and records how far: `XTRIM key MINID ARGV[1]`, and when that removed anything,
 * raises the trim mark (KEYS[2], the id of the latest entry ever trimmed, ARGV[2]) in the same
 * script, so no reader can see the stream trimmed but the mark not yet raised. A reader whose
 * position is below the mark has lost entries it never read (`bus-connection.ts`, gap check).
 * The mark only rises: a trim that removes something always cuts above every earlier trim, and
 * the comparison guards against any other trimmer.
 */
export const TRIM_SCRIPT = `
local n = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
if n > 0 then
  local cur = redis.call('GET', KEYS[2])
  local higher = not cur
  if cur then
    local am, as = string.match(ARGV[2], '^(%d+)-(%d+)$')
    local bm, bs = string.match(cur, '^(%d+)-(%d+)$')
    if not bm then
      higher = true
    elseif tonumber(am) ~= tonumber(bm) then
      higher = tonumber(am) > tonumber(bm)
    else
      higher = tonumber(as) > tonumber(bs)
    end
  end
  if higher then redis.call('SET', KEYS[2], ARGV[2]) end
end
return n
`;
