/**
 * The four permissions from an access store: visibility is read access (enforced: see
 * `Permissions.enforceVisibility`), mutability is write access, creation needs write access and
 * `create` (default true), deletion needs write access and `delete: true`. Only network peers are
 * judged; storage and in-process channels are the hub's own.
 */
import type { PeerContext } from "../../src/program/permissions.js";
import type { DocId } from "../../src/protocol/messages.js";
import type { RepoPermissions } from "../repo.js";
import type { AccessStore } from "./access-store.js";
import { type Access, canRead, canWrite } from "./claims.js";

export const accessPermissions = (
  store: Pick<AccessStore, "get">,
  discovery: "visible" | "requested",
): RepoPermissions => {
  /** The network peer's access, or `undefined` for the hub's own channels. */
  const of = (peer: PeerContext): Access | "own" => {
    if (peer.channelKind !== "network" || peer.trusted === true) return "own";
    // A network channel without a principal was not authenticated: it may touch nothing.
    return store.get(peer.principal ?? "");
  };
  const decide =
    (own: boolean, test: (access: Access, docId: DocId) => boolean) =>
    (docId: DocId, peer: PeerContext): boolean => {
      const access = of(peer);
      return access === "own" ? own : test(access, docId);
    };
  const read = decide(true, canRead);
  const write = decide(true, canWrite);
  const create = decide(true, (a, id) => a.create && canWrite(a, id));
  const remove = decide(false, (a, id) => a.delete && canWrite(a, id));
  return {
    visibility: (doc, peer) => read(doc.id, peer),
    mutability: (doc, peer) => write(doc.id, peer),
    creation: create,
    deletion: (doc, peer) => remove(doc.id, peer),
    enforceVisibility: true,
    discovery,
  };
};
