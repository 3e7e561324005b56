/**
 * io-ts codecs for every received channel message (spec §4, validation rules §4.15).
 *
 * Decoding yields canonical plain data: optional fields given as `undefined`/`null` are left
 * out, unknown fields are dropped, defaults are filled in (`bidirectional` → `true`, identity
 * `type` → "user"), nested batches are flattened. Bytes are passed through uncopied.
 */
export { BatchableTypeC, BatchMsgC, MAX_BATCH_NESTING } from "./codecs/batch.js";
export { BatchableMsgC, ChannelMsgC, MessageTypeC } from "./codecs/channel.js";
export type { Codec } from "./codecs/combinators.js";
export { decodeChannelMsg, decodeInbound, type Inbound } from "./codecs/decode.js";
export { type ProtocolError, toProtocolError } from "./codecs/errors.js";
export {
  DeleteRequestC,
  DeleteResponseC,
  DirectoryRequestC,
  DirectoryResponseC,
  EphemeralC,
  EstablishRequestC,
  EstablishResponseC,
  NewDocC,
  SyncRequestC,
  SyncResponseC,
  UpdateC,
} from "./codecs/messages.js";
export {
  BooleanC,
  BytesC,
  DocIdC,
  MAX_DOC_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_NAMESPACE_LENGTH,
  MAX_PEER_ID_LENGTH,
  NameC,
  NamespaceC,
  NonNegativeIntC,
  PeerIdC,
  PeerTypeC,
  VersionVectorC,
} from "./codecs/primitives.js";
export { renderValue } from "./codecs/render.js";
export {
  IdentityC,
  PresenceEntryC,
  PresenceListC,
  SyncTransmissionC,
  TRANSMISSION_TYPES,
} from "./codecs/structures.js";
