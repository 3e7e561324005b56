/**
 * A bound on the documents one peer may ask for (subscriptions and announcements it makes), as a
 * middleware: a message that would take the peer past `max` documents is dropped and reported
 * (`message-rejected`, middleware "docs-per-connection"). Stateless: it counts the peer's records
 * in the engine's model, so nothing is kept per connection and nothing leaks when one closes.
 */
import type { Model } from "../../src/program/model.js";
import { getPeer } from "../../src/program/model.js";
import { pmapHas } from "../../src/program/pmap.js";
import type { DocId } from "../../src/protocol/messages.js";
import type { Middleware, MiddlewareResult } from "../middleware/middleware.js";

export const DEFAULT_MAX_DOCS_PER_CONNECTION = 10_000;

export const docsPerConnection = (max: number, model: () => Model): Middleware => ({
  name: "docs-per-connection",
  requires: ["peer"],
  check({ message, peer }): MiddlewareResult {
    let docIds: readonly DocId[];
    switch (message.type) {
      case "channel/sync-request":
        docIds = [message.docId];
        break;
      case "channel/new-doc":
      case "channel/directory-response":
        docIds = message.docIds;
        break;
      default:
        return true;
    }
    const record = peer === undefined ? undefined : getPeer(model(), peer.peerId);
    if (record === undefined) return true;
    const added = new Set(docIds.filter((id) => !pmapHas(record.docs, id))).size;
    if (record.docs.size + added <= max) return true;
    return { allow: false, reason: `more than ${max} documents on one connection` };
  },
});
