/** The sync hub (Node): `startHub`, and the client's way to wait for acknowledgement. */
export {
  DEFAULT_DATA_DIR,
  DEFAULT_HUB_HOST,
  DEFAULT_HUB_PORT,
} from "./defaults.js";
export type { HubHealth } from "./http-routes.js";
export {
  type Hub,
  HubConfigError,
  HubDataLockedError,
  HubInsecureError,
  type HubLimits,
  HubListenError,
  type HubOptions,
  startHub,
} from "./hub.js";
export type { Refusal, RefusalCode } from "./refusals.js";
export {
  fetchDurableVersion,
  isDurable,
  type WhenDurableOptions,
  whenDurable,
} from "./when-durable.js";
