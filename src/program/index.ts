export { docsInOrder, presenceFanout } from "./algorithms.js";
export type { Command, CommandType, PresenceTargets } from "./commands.js";
export type { DropReason, ProgramEvent } from "./events.js";
export type { Input, InputType } from "./inputs.js";
export { docHolding, type Holding } from "./lifecycle.js";
export {
  type Channel,
  type ChannelState,
  type DeferredRequest,
  type DocState,
  getChannel,
  getDoc,
  getPeer,
  getPeerDoc,
  type InitOptions,
  init,
  type Model,
  type PeerDocState,
  type PeerState,
  type SyncStatus,
  setPeer,
  withoutResume,
} from "./model.js";
export {
  type DocContext,
  defaultPermissions,
  type PeerContext,
  type Permissions,
} from "./permissions.js";
export {
  emptyPMap,
  type PMap,
  pmapForEach,
  pmapGet,
  pmapHas,
  pmapRemove,
  pmapSet,
  pmapValues,
} from "./pmap.js";
export { isSyncedWith, type ReadyState, type ReadyStatus, readyStates } from "./readiness.js";
export { recordDigest } from "./resume.js";
export { type Step, update } from "./update.js";
