/**
 * Access from a token's claims. `sub` is the identity permissions are checked against; `read`
 * and `write` are lists of document id patterns (`"*"` alone matches every id, a trailing `*`
 * matches any suffix: `"team-7/*"`, anything else matches exactly); `write` implies read;
 * `create` (default true) lets the holder create the docs it may write; `delete` (default false)
 * lets it delete them. They map onto the engine's four permissions (`accessPermissions`).
 *
 * ```json
 * { "sub": "alice", "read": ["handbook"], "write": ["team-7/*"], "exp": 1767225600 }
 * ```
 */
import type { DocId } from "../../src/protocol/messages.js";

export interface Access {
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly create: boolean;
  readonly delete: boolean;
}

/** No access to anything. */
export const NO_ACCESS: Access = { read: [], write: [], create: false, delete: false };

export const matchesPattern = (pattern: string, docId: DocId): boolean =>
  pattern.endsWith("*") ? docId.startsWith(pattern.slice(0, -1)) : pattern === docId;

const matchesAny = (patterns: readonly string[], docId: DocId): boolean => {
  for (const pattern of patterns) if (matchesPattern(pattern, docId)) return true;
  return false;
};

export const canWrite = (access: Access, docId: DocId): boolean => matchesAny(access.write, docId);

export const canRead = (access: Access, docId: DocId): boolean =>
  matchesAny(access.read, docId) || canWrite(access, docId);

const patterns = (value: unknown, name: string): readonly string[] | string => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === "string" && p !== "")) {
    return `claim "${name}" must be a list of non-empty strings`;
  }
  return value as string[];
};

const flag = (value: unknown, name: string, fallback: boolean): boolean | string => {
  if (value === undefined) return fallback;
  return typeof value === "boolean" ? value : `claim "${name}" must be true or false`;
};

/** The access a token's payload grants, or why its claims are malformed. */
export const accessFromClaims = (
  claims: Readonly<Record<string, unknown>>,
): { readonly access: Access } | { readonly error: string } => {
  const read = patterns(claims.read, "read");
  const write = patterns(claims.write, "write");
  const create = flag(claims.create, "create", true);
  const del = flag(claims.delete, "delete", false);
  for (const value of [read, write, create, del]) {
    if (typeof value === "string") return { error: value };
  }
  return {
    access: {
      read: read as readonly string[],
      write: write as readonly string[],
      create: create as boolean,
      delete: del as boolean,
    },
  };
};
