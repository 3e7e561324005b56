/**
 * One protocol message as one readable line, for logs and marble tests:
 *
 * ```
 * establish-request(1)   sync-request(d, 9:4, bidi)   [sync-response(d, up-to-date 9:4), …]
 * ```
 *
 * Versions print as `peer:counter` pairs (`∅` when empty); a batch prints its messages in
 * brackets; `+presence` marks attached presence.
 */
import type { ChannelMsg } from "../../src/protocol/messages.js";
import type { VersionVector } from "../../src/protocol/version-vector.js";

const version = (v: VersionVector): string => {
  const keys = Object.keys(v).sort();
  return keys.length === 0 ? "∅" : keys.map((k) => `${k}:${v[k]}`).join(",");
};

const describe = (m: ChannelMsg): string => {
  switch (m.type) {
    // docs/RESUME.md: a proposal or an acceptance is marked; the bare session is not.
    case "channel/establish-request":
      return `establish-request(${m.identity.peerId}${(m.resume?.known?.length ?? 0) > 0 ? ", resume?" : ""})`;
    case "channel/establish-response":
      return `establish-response(${m.identity.peerId}${m.resume?.accepted === true ? ", resumed" : ""})`;
    case "channel/sync-request":
      return `sync-request(${m.docId}, ${version(m.requesterDocVersion)}, ${m.bidirectional ? "bidi" : "once"}${m.ephemeral ? ", +presence" : ""})`;
    case "channel/sync-response":
    case "channel/update": {
      const t = m.transmission;
      const body = t.type === "unavailable" ? t.type : `${t.type} ${version(t.version)}`;
      const name = m.type === "channel/update" ? "update" : "sync-response";
      return `${name}(${m.docId}, ${body}${m.type === "channel/sync-response" && m.ephemeral ? ", +presence" : ""})`;
    }
    case "channel/new-doc":
    case "channel/directory-response":
      return `${m.type.slice(8)}(${m.docIds.join(",")})`;
    case "channel/directory-request":
      return "directory-request";
    case "channel/delete-request":
      return `delete-request(${m.docId})`;
    case "channel/delete-response":
      return `delete-response(${m.docId}, ${m.status})`;
    case "channel/ephemeral":
      return `ephemeral(${m.docId}, h${m.hopsRemaining})`;
    case "channel/batch":
      return `[${m.messages.map(describe).join(", ")}]`;
  }
};

/** Takes `unknown` (what `traffic$` carries); anything that is not a message prints as JSON. */
export const describeMessage = (message: unknown): string =>
  typeof message === "object" && message !== null && "type" in message
    ? describe(message as ChannelMsg)
    : `?${JSON.stringify(message)}`;
