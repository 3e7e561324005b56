export { describeMessage } from "./describe-message.js";
export {
  createInProcessNetwork,
  type InProcessNetwork,
  type Peers,
} from "./in-process-network.js";
export { msg } from "./messages.js";
export type {
  DirectionCounters,
  Frame,
  FrameCodec,
  InProcessNetworkOptions,
  LinkFaults,
  Topology,
  TrafficCounters,
  TrafficEvent,
} from "./network-types.js";
export { mulberry32, type Rng } from "./prng.js";
export {
  type AcceptanceCase,
  runStorageAcceptanceSuite,
  type StorageUnderTest,
  storageAcceptanceCases,
  TRICKY_DOC_IDS,
} from "./storage-acceptance.js";
export {
  runTransportAcceptanceSuite,
  type TrackedScheduler,
  type TransportAcceptanceOptions,
  type TransportPairUnderTest,
  trackedScheduler,
} from "./transport-acceptance.js";
export { jsonCodec, wireCodec } from "./wire-codec.js";
